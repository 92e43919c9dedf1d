"""Labelled sentence pairs for the support ("also reported by") decision, rebuilt from the data.

The evaluation data may not be copied into the repository, so this script samples the pairs
again from ``/work/shared/data`` every time (fixed seed, deterministic order) and the labels
live in ``scripts/eval/provenance_labels.tsv`` keyed by a hash of the pair, never by its text.

    python scripts/eval/provenance_pairs.py sample DATA_DIR --out /tmp/pairs.jsonl   # to label
    python scripts/eval/provenance_pairs.py measure DATA_DIR                         # the table

A pair is two sentences of different articles of one cluster, as the pipeline splits them.
The pool is every such pair with cosine >= 0.4 under TF-IDF or MiniLM (below that no rule
would call them the same fact); the labelled pairs were drawn evenly from five similarity bins
per source. ``measure`` uses every labelled pair it finds in the pool (a cleaning change may
remove a few), reports precision and recall on them, and also weighted by each bin's pool size
over its labelled count, an estimate for the pool's own mix (noisy: a few pairs carry it).
Labels: ``same`` (both assert the same event or claim), ``related`` (same topic, different
claim), ``different``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarize.data import Document
from summarize.pipeline import Summarizer
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.dedup import RedundancyRemover, SupportRule
from summarize.stages.embed import SentenceTransformerEmbedder, TfidfEmbedder
from summarize.stages.embed.static import StaticEmbedder
from summarize.stages.embed.student import StudentEmbedder
from summarize.stages.ingest import read_clusters
from summarize.stages.order.order import PositionOrderer
from summarize.stages.select.selectors import LeadSelector
from summarize.stages.split import PunktSplitter

LABELS = Path(__file__).with_name("provenance_labels.tsv")
SEED = 11
BINS = (0.4, 0.5, 0.6, 0.7, 0.8, 1.01)
# (name, path under the data folder, clusters used, pairs drawn)
SOURCES = (
    ("aleppo", "seed_clusters", None, 60),
    ("multi_news", "multi_news/fulltext_sample.jsonl", 40, 150),
    ("duc2006", "duc2006/main.jsonl", 6, 100),
)
POOL_EMBEDDERS = ("tfidf", "minilm")
"""The pool (and so the labelled pairs) is defined by these; others are measured on it."""
EMBEDDERS = (*POOL_EMBEDDERS, "static", "student")


@dataclass
class Pair:
    key: str
    source: str
    cluster: str
    a: str
    b: str
    similarity: dict[str, float]
    weight: float = 1.0
    label: str | None = None


def pair_key(a: str, b: str) -> str:
    """Order-free hash of the two texts: identifies a pair without storing it."""
    first, second = sorted((" ".join(a.split()), " ".join(b.split())))
    return hashlib.sha256(f"{first}\n{second}".encode()).hexdigest()[:16]


def documents(path: Path, limit: int | None, cache_dir: str | None) -> list[dict[str, Document]]:
    """Each cluster split as the pipeline does it, embedded by TF-IDF, MiniLM (int8), the
    static model distilled from MiniLM and the 3-layer student."""
    embedders = {
        "tfidf": TfidfEmbedder(),
        "minilm": SentenceTransformerEmbedder(
            model="minilm", backend="onnx-int8", cache_dir=cache_dir
        ),
        "static": StaticEmbedder(cache_dir=cache_dir),
        "student": StudentEmbedder(cache_dir=cache_dir),
    }
    out = []
    for number, cluster in enumerate(read_clusters(path)):
        if limit is not None and number >= limit:
            break
        if not hasattr(cluster, "articles"):
            continue
        per_embedder = {}
        for name, embedder in embedders.items():
            summarizer = Summarizer(
                BoilerplateCleaner(),
                PunktSplitter(),
                embedder,
                RedundancyRemover(),
                LeadSelector(),
                PositionOrderer(),
            )
            candidates = summarizer.prepare(cluster)
            per_embedder[name] = candidates.document
        out.append(per_embedder)
    return out


def pool_pairs(data: Path, cache_dir: str | None) -> dict[str, list[list[Pair]]]:
    """Every candidate pair of each source, by similarity bin, in a fixed order."""
    pools: dict[str, list[list[Pair]]] = {}
    for source, relative, limit, _ in SOURCES:
        pool: list[list[Pair]] = [[] for _ in BINS[:-1]]
        for docs in documents(data / relative, limit, cache_dir):
            tfidf = docs["tfidf"]
            sentences = tfidf.sentences
            for name in EMBEDDERS:
                assert [s.text for s in sentences] == [s.text for s in docs[name].sentences]
            sims = {name: docs[name].embeddings @ docs[name].embeddings.T for name in EMBEDDERS}
            best = np.maximum(sims["tfidf"], sims["minilm"])  # POOL_EMBEDDERS
            articles = np.array([s.article for s in sentences])
            rows, cols = np.nonzero(np.triu(best >= BINS[0], k=1))
            seen: set[str] = set()
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
                a, b = sentences[i].text, sentences[j].text
                if articles[i] == articles[j] or " ".join(a.split()) == " ".join(b.split()):
                    continue
                key = pair_key(a, b)
                if key in seen:
                    continue
                seen.add(key)
                similarity = {name: float(sims[name][i, j]) for name in EMBEDDERS}
                pair = Pair(key, source, tfidf.cluster.id, a, b, similarity)
                pool[int(np.searchsorted(BINS, best[i, j], side="right")) - 1].append(pair)
        for members in pool:
            members.sort(key=lambda p: p.key)
        print(f"{source}: pool per bin {[len(m) for m in pool]}", file=sys.stderr)
        pools[source] = pool
    return pools


def draw(pools: dict[str, list[list[Pair]]]) -> list[Pair]:
    """The seeded draw that was labelled: an even share of each source's quota per bin."""
    rng = np.random.default_rng(SEED)
    pairs = []
    for source, _, _, quota in SOURCES:
        for members in pools[source]:
            take = min(quota // len(pools[source]), len(members))
            pairs.extend(members[i] for i in sorted(rng.choice(len(members), take, replace=False)))
    return pairs


def labelled(pools: dict[str, list[list[Pair]]], labels: dict[str, str]) -> list[Pair]:
    """Every pool pair with a label, weighted by its bin's pool size over its labelled count.

    Measuring on the labelled pairs found in the pool, rather than on a fresh draw, keeps the
    labels usable when a cleaning or splitting change alters a few sentences.
    """
    pairs = []
    for pool in pools.values():
        for members in pool:
            found = [p for p in members if p.key in labels]
            for pair in found:
                pair.label = labels[pair.key]
                pair.weight = len(members) / len(found)
            pairs.extend(found)
    return pairs


def read_labels(
    path: Path = LABELS, kinds: tuple[str, ...] = ("same", "related", "different")
) -> dict[str, str]:
    """Hash -> label from a labels file (``#`` lines are comments); an unknown label fails."""
    labels = {}
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            key, label = line.split("\t")[:2]
            if label not in kinds:
                raise ValueError(f"{path}:{number}: unknown label {label!r}")
            labels[key] = label
    return labels


def measure(pairs: list[Pair], rules: list[tuple[str, SupportRule]]) -> list[dict]:
    """Weighted precision and recall of each rule's "same fact" decision on the labelled pairs."""
    labelled = [p for p in pairs if p.label is not None]
    truth = np.array([p.label == "same" for p in labelled])
    weight = np.array([p.weight for p in labelled])
    rows = []
    for name, rule in rules:
        for embedder in EMBEDDERS:
            decided = np.array([rule.supports(p.a, p.b, p.similarity[embedder]) for p in labelled])
            hit = decided & truth
            rows.append(
                {
                    "embedder": embedder,
                    "rule": name,
                    "precision": _ratio(weight[hit].sum(), weight[decided].sum()),
                    "recall": _ratio(weight[hit].sum(), weight[truth].sum()),
                    "raw_precision": _ratio(hit.sum(), decided.sum()),
                    "raw_recall": _ratio(hit.sum(), truth.sum()),
                    "decided": int(decided.sum()),
                }
            )
    return rows


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def default_rules() -> list[tuple[str, SupportRule]]:
    """Cosine alone (the old rule), cosine plus the lexical check, and the two-level rule."""
    rules = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
        rule = SupportRule(threshold, 0.0, close_threshold=1.0, match_numbers=False)
        rules.append((f"cos>={threshold}", rule))
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        for shared in (0.3, 0.4, 0.5, 0.6):
            name = f"cos>={threshold} & shared>={shared} & numbers"
            rules.append((name, SupportRule(threshold, shared, close_threshold=1.0)))
    for close in (0.75, 0.8, 0.85, 0.9):
        for close_shared in (0.3, 0.4, 0.5):
            name = f"(cos>=0.6 & shared>=0.6 | cos>={close} & shared>={close_shared}) & numbers"
            rules.append((name, SupportRule(0.6, 0.6, close, close_shared)))
    # embedder=static's levels (conf/embedder/static.yaml: MiniLM's 0.6 and 0.85 carried over
    # by matching quantiles), with the default's word and number checks
    static = "(cos>=0.68 & shared>=0.6 | cos>=0.85 & shared>=0.3) & numbers (static levels)"
    rules.append((static, SupportRule(0.68, 0.6, 0.85, 0.3)))
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["sample", "measure"])
    parser.add_argument("data", type=Path, help="the evaluation data folder (/work/shared/data)")
    parser.add_argument("--out", type=Path, help="sample: where to write the pairs to label")
    parser.add_argument("--cache-dir", default=None, help="MiniLM embedding cache")
    args = parser.parse_args()
    pools = pool_pairs(args.data, args.cache_dir)
    labels = read_labels()
    if args.command == "sample":
        pairs = draw(pools)
        for pair in pairs:
            pair.label = labels.get(pair.key)
        if args.out is None:
            parser.error("sample needs --out (a path outside the repository)")
        with args.out.open("w", encoding="utf-8") as out:
            for pair in pairs:
                out.write(json.dumps(pair.__dict__) + "\n")
        print(f"{len(pairs)} pairs, {sum(p.label is not None for p in pairs)} labelled")
        return
    pairs = labelled(pools, labels)
    counts = {k: sum(p.label == k for p in pairs) for k in ("same", "related", "different")}
    print(f"{len(pairs)} of {len(labels)} labelled pairs found in the pool: {counts}")
    print("| embedder | rule | precision | recall | raw P | raw R | decided |")
    print("|---|---|---|---|---|---|---|")
    for row in measure(pairs, default_rules()):
        print(
            f"| {row['embedder']} | {row['rule']} | {row['precision']:.3f} | {row['recall']:.3f}"
            f" | {row['raw_precision']:.3f} | {row['raw_recall']:.3f} | {row['decided']} |"
        )


if __name__ == "__main__":
    main()
