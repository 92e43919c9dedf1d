"""How well the briefing lists where the sources differ: a recall probe and labelled precision.

The evaluation data may not be copied into the repository, so both measures rebuild what they
need from the data every time, deterministically, and the labels live in
``scripts/eval/disagree_labels.tsv`` keyed by a hash of the disagreement, never by its text.

    python scripts/eval/disagree_eval.py probe DATA.jsonl [--skip N] [--limit N] [overrides]
    python scripts/eval/disagree_eval.py list DATA [DATA ...] [--limit N] --out /tmp/listed.jsonl
    python scripts/eval/disagree_eval.py count /tmp/listed.jsonl   # its labels, by source
    python scripts/eval/disagree_eval.py pairs DATA [--cluster ID] [--kind percent]  # cosines
    python scripts/eval/disagree_eval.py precision DATA [DATA ...] [--limit N] [overrides]

**Probe (recall).** In each cluster, the first pair of sentences of two independent articles
(neither a republished copy) that are near-identical (``difflib`` ratio >= 0.8 with their
figures masked) and carry the same figures is altered: one figure in the second article's
sentence is changed (a count or amount by a quarter, a year or a day by two, a percentage by a
fifth).
A hit is a ``disagreements`` item that lists both articles, each with its figure. At most one
probe per cluster. A TF-IDF pass first skips clusters without any candidate pair (cheap).

**Precision.** ``list`` writes what the default lists on the unaltered clusters, one line per
item with its key; each item was read and labelled ``real`` (the sources do state the same
thing differently), ``same`` (the figures or claims agree, read properly) or ``different``
(they are about different facts). ``precision`` runs the clusters again and counts labels.
Extra arguments are Hydra overrides.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

import provenance_pairs  # scripts/eval, next to this script

from summarize.cli import compose_config
from summarize.data import Cluster, Disagreement, InputError
from summarize.pipeline import Summarizer
from summarize.run.worker import build_summarizer
from summarize.stages.disagree import DisagreementFinder, Figure, figures
from summarize.stages.ingest import read_clusters

LABELS = Path(__file__).with_name("disagree_labels.tsv")
KINDS = ("real", "same", "different")
NEAR = 0.8


def clusters(path: Path, skip: int, limit: int | None) -> list[Cluster]:
    """The clusters ``skip`` to ``skip + limit`` of the input that could be read."""
    chosen = []
    for number, cluster in enumerate(read_clusters(path)):
        if number < skip:
            continue
        if limit is not None and number >= skip + limit:
            break
        if isinstance(cluster, Cluster):
            chosen.append(cluster)
    return chosen


def disagreement_key(cluster_id: str, item: Disagreement) -> str:
    """Order-free hash of the cluster and the variants' sentences: an item without its text."""
    texts = sorted(" ".join(v.text.split()) for v in item.variants)
    return hashlib.sha256("\n".join([cluster_id, *texts]).encode()).hexdigest()[:16]


def masked(text: str, found: list[Figure]) -> str:
    """The sentence with its figures written ``#``, lower-cased."""
    for figure in sorted(found, key=lambda f: f.start, reverse=True):
        text = text[: figure.start] + "#" + text[figure.end :]
    return text.lower()


def changed(figure: Figure) -> str | None:
    """Another value for the figure, written as it is (``None``: not one the probe alters)."""
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", figure.text)
    if digits is None:
        return None
    written = digits.group()
    value = float(written.replace(",", ""))
    if figure.kind == "year":
        new = value + 2
    elif figure.kind == "day":  # another day of the month, not "June 38"
        new = value + 2 if value <= 27 else value - 2
    elif figure.kind == "percent":
        new = round(value * 1.2) if value * 1.2 <= 100 else round(value * 0.8)
    else:
        new = round(value * 1.25)
    if new == value:
        new = value + 1
    if "." in written:
        decimals = len(written.split(".")[1])
        text = f"{new:,.{decimals}f}" if "," in written else f"{new:.{decimals}f}"
    else:
        text = f"{int(new):,}" if "," in written else str(int(new))
    return figure.text[: digits.start()] + text + figure.text[digits.end() :]


@dataclasses.dataclass
class Probe:
    cluster: Cluster
    first: int
    second: int
    old: str
    new: str


def make_probe(summarizer: Summarizer, cluster: Cluster, independent: bool = True) -> Probe | None:
    """The cluster with one figure changed in one article (the module rule), or ``None``.

    ``independent=False`` also accepts a pair in a republished copy: a cheap first pass
    (TF-IDF) may see copies where the default does not.
    """
    try:
        document = summarizer.prepare(cluster).document
    except InputError:  # nothing to summarize (the run reports it as a failed cluster)
        return None
    with_figures = []
    for sentence in document.sentences:
        found = figures(sentence.text)
        original = document.source(sentence.article) == sentence.article
        if found and (original or not independent):
            with_figures.append((sentence, found))
    for n, (a, fa) in enumerate(with_figures):
        for b, fb in with_figures[n + 1 :]:
            same = [(f.kind, f.value) for f in fa] == [(f.kind, f.value) for f in fb]
            if a.article == b.article or not same:
                continue
            if independent and document.source(a.article) == document.source(b.article):
                continue
            ratio = difflib.SequenceMatcher(None, masked(a.text, fa), masked(b.text, fb)).ratio()
            if ratio < NEAR:
                continue
            for old, figure in zip(fa, fb, strict=True):
                if (new := changed(figure)) is not None:
                    altered = _altered(cluster, b, figure, new)
                    if altered is not None:
                        return Probe(altered, a.article, b.article, old.text, new)
    return None


def _altered(cluster: Cluster, sentence, figure: Figure, new: str) -> Cluster | None:
    """The cluster with the figure of the sentence written ``new`` in its article's text."""
    articles = list(cluster.articles)
    where = next(k for k, x in enumerate(articles) if x.index == sentence.article)
    fragment = sentence.text[: figure.end]
    if articles[where].text.count(fragment) != 1:
        return None  # cleaning changed the sentence: it cannot be found in the input
    text = articles[where].text.replace(fragment, sentence.text[: figure.start] + new, 1)
    articles[where] = dataclasses.replace(articles[where], text=text)
    return dataclasses.replace(cluster, articles=tuple(articles))


def probe(args: argparse.Namespace) -> None:
    summarizer = build_summarizer(compose_config(*args.overrides))
    first_pass = build_summarizer(compose_config(*args.overrides, "embedder=tfidf"))
    made = hits = 0
    for cluster in clusters(args.data, args.skip, args.limit):
        if make_probe(first_pass, cluster, independent=False) is None:
            continue  # no candidate pair at all: the default need not embed the cluster
        test = make_probe(summarizer, cluster)
        if test is None:
            continue
        made += 1
        briefing = summarizer.summarize(test.cluster)
        expected = {(test.first, test.old), (test.second, test.new)}
        hit = any(
            expected <= {(v.article, v.figure) for v in item.variants}
            for item in briefing.disagreements or []
        )
        hits += hit
        print(
            f"{cluster.id}\t{'hit' if hit else 'miss'}\t{test.old} -> {test.new}", file=sys.stderr
        )
    print(json.dumps({"probes": made, "hits": hits, "recall": round(hits / max(made, 1), 3)}))


def listed(summarizer: Summarizer, cluster: Cluster) -> list[tuple[str, Disagreement]]:
    try:
        briefing = summarizer.summarize(cluster)
    except InputError:
        return []
    return [(disagreement_key(cluster.id, d), d) for d in briefing.disagreements or []]


def list_items(args: argparse.Namespace) -> None:
    summarizer = build_summarizer(compose_config(*args.overrides))
    labels = read_labels()
    with open(args.out, "w", encoding="utf-8") as out:
        for data in args.data:
            for cluster in clusters(data, 0, args.limit):
                for key, item in listed(summarizer, cluster):
                    row = {
                        "key": key,
                        "label": labels.get(key),
                        "cluster": cluster.id,
                        "about": item.about,
                        "variants": [dataclasses.asdict(v) for v in item.variants],
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    out.flush()  # to read while the rest runs


def precision(args: argparse.Namespace) -> None:
    summarizer = build_summarizer(compose_config(*args.overrides))
    labels = read_labels()
    counts = dict.fromkeys((*KINDS, "unlabelled"), 0)
    for data in args.data:
        for cluster in clusters(data, 0, args.limit):
            for key, _ in listed(summarizer, cluster):
                counts[labels.get(key, "unlabelled")] += 1
    judged = sum(counts[k] for k in KINDS)
    counts["precision"] = round(counts["real"] / judged, 3) if judged else None
    print(json.dumps(counts))


def pairs(args: argparse.Namespace) -> None:
    """Why two figures of a kind are or are not compared: per pair of sentences of different
    sources, their cosine and that of the words around the figures (the module's rules)."""
    summarizer = build_summarizer(compose_config(*args.overrides))
    finder = DisagreementFinder()
    for cluster in clusters(args.data, 0, None):
        if args.cluster not in (None, cluster.id):
            continue
        document = summarizer.prepare(cluster).document
        rows = [
            (row, f)
            for row, sentence in enumerate(document.sentences)
            for f in figures(sentence.text)
            if f.kind == args.kind
        ]
        for n, (i, f) in enumerate(rows):
            for j, g in rows[n + 1 :]:
                a, b = document.sentences[i], document.sentences[j]
                if document.source(a.article) == document.source(b.article):
                    continue
                windows = summarizer.embedder.encode(
                    [finder._context(a.text, f), finder._context(b.text, g)]
                )
                print(
                    f"{cluster.id}\t{f.text} ({a.article}) / {g.text} ({b.article})\t"
                    f"sentences {float(document.embeddings[i] @ document.embeddings[j]):.2f}\t"
                    f"around the figures {float(windows[0] @ windows[1]):.2f}"
                )


def count(args: argparse.Namespace) -> None:
    """The labels of the items a ``list`` run wrote (labels read now, by key), in all, per
    source (by cluster id) and for figures and denials apart."""
    labels = read_labels()
    counts = dict.fromkeys((*KINDS, "unlabelled"), 0)
    per_source: dict[str, dict[str, int]] = {}
    for line in args.listed.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        label = labels.get(row["key"], "unlabelled")
        counts[label] += 1
        family = re.sub(r"-?\d+[A-Z]?$", "", row["cluster"])  # multinews-val-row, D (DUC)...
        denial = {v["figure"] for v in row["variants"]} <= {"states", "denies"}
        for group in (family, "denials" if denial else "figures"):
            per_group = per_source.setdefault(group, dict.fromkeys((*KINDS, "unlabelled"), 0))
            per_group[label] += 1
    judged = sum(counts[k] for k in KINDS)
    counts["precision"] = round(counts["real"] / judged, 3) if judged else None
    print(json.dumps({"all": counts, **per_source}))


def read_labels() -> dict[str, str]:
    return provenance_pairs.read_labels(LABELS, KINDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("probe")
    run.add_argument("data", type=Path)
    run.add_argument("--skip", type=int, default=0)
    run.add_argument("--limit", type=int, default=None)
    run.set_defaults(handler=probe)
    run = commands.add_parser("list")
    run.add_argument("data", type=Path, nargs="+")
    run.add_argument("--limit", type=int, default=50)
    run.add_argument("--out", type=Path, required=True)
    run.set_defaults(handler=list_items)
    run = commands.add_parser("pairs")
    run.add_argument("data", type=Path)
    run.add_argument("--cluster", default=None)
    run.add_argument("--kind", default="percent")
    run.set_defaults(handler=pairs)
    run = commands.add_parser("count")
    run.add_argument("listed", type=Path)
    run.set_defaults(handler=count)
    run = commands.add_parser("precision")
    run.add_argument("data", type=Path, nargs="+")
    run.add_argument("--limit", type=int, default=50)
    run.set_defaults(handler=precision)
    # Hydra overrides (key=value) may come anywhere; the rest are this script's arguments
    overrides = [a for a in sys.argv[1:] if re.match(r"^[+~]*[\w.]+=", a)]
    args = parser.parse_args([a for a in sys.argv[1:] if a not in overrides])
    args.overrides = overrides
    args.handler(args)


if __name__ == "__main__":
    main()
