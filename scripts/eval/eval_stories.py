"""Grouping and tracking quality on the dev streams of ``scripts/eval/story_streams.py``.

    python scripts/eval/story_streams.py ../shared/data /tmp/story_streams
    python scripts/eval/eval_stories.py /tmp/story_streams --cache /tmp/stories-cache

Articles are cleaned by the default cleaner and embedded by the default embedder (MiniLM,
onnx-int8; the vectors are cached under ``--cache`` so a second run embeds nothing). Prints and
writes (``--out``, JSON) four tables:

1. the issue's two baselines in the same scorer: TF-IDF + average-link agglomerative clustering
   over the full cosine distance matrix (cut at 0.8), and MiniLM vectors of the whole article
   + the same clustering (cut at 0.5), each also over its cut range, on the two streams small
   enough for a full matrix (``grouping_mn1000``, ``grouping_mix1000``);
2. every variant of the method tried (views and weights, linkage), each at the threshold that
   is best on ``grouping_dev`` (the issue's dev stream, the only one used to choose), then at
   that same threshold on ``grouping_mn1000`` and ``grouping_mix1000``;
3. tracking over three nights (``tracking/``) and DUC 2007 A -> B (``duc2007/``): BCubed F1 over
   all nights with the final story ids as labels, the share of stories seen on several nights
   that kept one id, and the share of their later nights that would get an update briefing.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from summarize.data import Article
from summarize.stages.clean.cleaner import BoilerplateCleaner
from summarize.stages.embed import SentenceTransformerEmbedder
from summarize.stages.group import (
    LooseArticle,
    StoryGrouper,
    StoryLinker,
    digest,
    grouping_scores,
)
from summarize.stages.group.features import NightFeatures, article_vectors
from summarize.stages.split import PunktSplitter

THRESHOLDS = [0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
VARIANTS = {
    # name: (text_weight, names_weight, linkage, neighbours)
    "neural only, average link": (0.0, 0.0, "average", 20),
    "TF-IDF only, average link, k=10": (1.0, 0.0, "average", 10),
    "TF-IDF only, average link, k=20": (1.0, 0.0, "average", 20),
    "TF-IDF only, average link, k=40 (chosen)": (1.0, 0.0, "average", 40),
    "TF-IDF 0.85 + neural, average link": (0.85, 0.0, "average", 20),
    "TF-IDF 0.7 + neural, average link": (0.7, 0.0, "average", 20),
    "TF-IDF 0.5 + neural, average link": (0.5, 0.0, "average", 20),
    "TF-IDF 0.8 + names 0.2, average link": (0.8, 0.2, "average", 20),
    "TF-IDF 0.7 + names 0.15 + neural, average link": (0.7, 0.15, "average", 20),
    "TF-IDF only, components (single link)": (1.0, 0.0, "components", 20),
    "TF-IDF only, mutual kNN components": (1.0, 0.0, "mutual", 20),
    "TF-IDF 0.5 + neural, components (single link)": (0.5, 0.0, "components", 20),
}
STREAMS = {"dev": "grouping_dev", "mn1000": "grouping_mn1000", "mix1000": "grouping_mix1000"}
"""Every variant is swept on each; only ``dev`` chooses."""
BASELINE_CUTS = {"tfidf": [0.6, 0.65, 0.7, 0.75, 0.8, 0.85], "minilm": [0.3, 0.4, 0.5, 0.6]}


def read_stream(path: Path, cleaner: BoilerplateCleaner) -> tuple[list[LooseArticle], list[str]]:
    """Cleaned articles (the raw text when cleaning leaves nothing) and their gold stories."""
    articles, gold = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        raw = Article(index=0, text=record["text"], source=record["id"], title=record.get("title"))
        text = cleaner.clean(raw).text.strip() or record["text"]
        articles.append(
            LooseArticle(
                id=record["id"],
                text=text,
                title=record.get("title"),
                date=record.get("date"),
                source=record.get("source"),
            )
        )
        gold.append(record["story"])
    return articles, gold


class Vectors:
    """Article vectors (mean of opening sentences) and whole-article vectors, memoised on disk."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.embedder = SentenceTransformerEmbedder(
            backend="onnx-int8", cache_dir=str(cache / "embeddings")
        )
        self.splitter = PunktSplitter()

    def _memo(self, name: str, compute) -> np.ndarray:
        path = self.cache / f"{name}.npy"
        if path.exists():
            return np.load(path)
        vectors = compute()
        np.save(path, vectors)
        return vectors

    def opening(self, stream: str, articles: list[LooseArticle], count: int = 5) -> np.ndarray:
        return self._memo(
            f"{stream}-opening{count}",
            lambda: article_vectors(articles, self.embedder, self.splitter, count),
        )

    def whole(self, stream: str, articles: list[LooseArticle]) -> np.ndarray:
        return self._memo(
            f"{stream}-whole", lambda: self.embedder.encode([a.text for a in articles])
        )


def full_matrix_average_link(distances: np.ndarray, cut: float) -> np.ndarray:
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=cut
    )
    return model.fit_predict(distances)


def baselines(articles: list[LooseArticle], gold: list[str], whole: np.ndarray) -> list[dict]:
    rows = []
    started = time.perf_counter()
    tfidf = TfidfVectorizer(stop_words="english").fit_transform([a.text for a in articles])
    distances = np.clip(1.0 - (tfidf @ tfidf.T).toarray(), 0.0, 2.0)
    for cut in BASELINE_CUTS["tfidf"]:
        labels = full_matrix_average_link(distances, cut)
        rows.append({"method": f"TF-IDF + average link (full matrix), cut {cut}",
                     **grouping_scores(gold, labels.tolist())})  # fmt: skip
    rows[-len(BASELINE_CUTS["tfidf"]) :][0]["seconds_all_cuts"] = time.perf_counter() - started
    distances = np.clip(1.0 - whole @ whole.T, 0.0, 2.0)
    for cut in BASELINE_CUTS["minilm"]:
        labels = full_matrix_average_link(distances, cut)
        rows.append({"method": f"MiniLM whole article + average link (full matrix), cut {cut}",
                     **grouping_scores(gold, labels.tolist())})  # fmt: skip
    return rows


def sweep(features: NightFeatures, dates: list, gold: list[str], variant: tuple) -> dict:
    """Scores per threshold; the neighbour graph is built once for all thresholds."""
    text_weight, names_weight, linkage, k = variant
    settings = {"text_weight": text_weight, "names_weight": names_weight, "linkage": linkage,
                "neighbours": k}  # fmt: skip
    graph = StoryGrouper(**settings).graph(features, dates)
    return {
        threshold: grouping_scores(gold, StoryGrouper(threshold=t, **settings).cut(graph).tolist())
        for threshold in THRESHOLDS
        for t in (threshold,)
    }


def variants(streams: dict) -> list[dict]:
    """Each variant's best threshold on dev, and its scores there and on the other streams."""
    rows = []
    for name, variant in VARIANTS.items():
        per_stream = {
            stream: sweep(features, dates, gold, variant)
            for stream, (features, dates, gold) in streams.items()
        }
        best = max(
            THRESHOLDS,
            key=lambda t: per_stream["dev"][t]["bcubed_f1"] + per_stream["dev"][t]["pair_f1"],
        )
        row = {"variant": name, "threshold": best}
        for stream, scores in per_stream.items():
            row[stream] = {k: scores[best][k] for k in ("pair_f1", "bcubed_f1", "stories")}
            row[f"{stream}_best_any_threshold"] = max(
                (s["pair_f1"] + s["bcubed_f1"], t) for t, s in scores.items()
            )[1]
        row["dev_sweep"] = {
            t: (round(s["pair_f1"], 4), round(s["bcubed_f1"], 4))
            for t, s in per_stream["dev"].items()
        }
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "dev_sweep"}), flush=True)
    return rows


def track(
    nights: list[tuple[str, list[LooseArticle], list[str], np.ndarray]],
    grouper: StoryGrouper,
    linker: StoryLinker,
) -> dict:
    """Groups and links night after night; scores the ids over all nights."""
    records = []
    gold_all, predicted_all = [], []
    continued_stories = 0
    per_gold: dict[str, list[tuple[str, str, bool]]] = {}
    for night, articles, gold, vectors in nights:
        stories = grouper.group_vectors(articles, vectors)
        digests = {a.id: digest(a.text) for a in articles}
        linking = linker.link(stories, digests, night, records)
        records.extend(linking.records)
        continued_stories += len(linking.continued)
        story_of = {a: s.id for s in linking.stories for a in s.articles}
        label = dict(zip((a.id for a in articles), gold, strict=True))
        for article in articles:
            gold_all.append(label[article.id])
            predicted_all.append(story_of[article.id])
        by_gold: dict[str, Counter] = {}
        for article in articles:
            by_gold.setdefault(label[article.id], Counter())[story_of[article.id]] += 1
        for story, counts in by_gold.items():
            main = min(counts, key=lambda s: (-counts[s], s))
            per_gold.setdefault(story, []).append((night, main, main in linking.continued))
    spanning = {g: seen for g, seen in per_gold.items() if len(seen) > 1}
    kept = sum(len({main for _, main, _ in seen}) == 1 for seen in spanning.values())
    later = [update for seen in spanning.values() for _, _, update in seen[1:]]
    scores = grouping_scores(gold_all, predicted_all)
    return {
        "articles": len(gold_all),
        "bcubed_f1_all_nights": scores["bcubed_f1"],
        "pair_f1_all_nights": scores["pair_f1"],
        "stories_over_several_nights": len(spanning),
        "kept_one_id": kept / len(spanning) if spanning else None,
        "later_nights_as_update": sum(later) / len(later) if later else None,
        "links_made": continued_stories,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("streams", type=Path, help="folder written by story_streams.py")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories-cache"))
    parser.add_argument("--out", type=Path, default=None, help="write all figures as JSON")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--tracking-only", action="store_true", help="only table 3")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    cleaner, vectors = BoilerplateCleaner(), Vectors(args.cache)
    results: dict = {}

    loaded = {}
    for stream, file in () if args.tracking_only else STREAMS.items():
        articles, gold = read_stream(args.streams / f"{file}.jsonl", cleaner)
        loaded[stream] = (articles, gold, vectors.opening(stream, articles))
        print(f"{file}: {len(articles)} articles, {len(set(gold))} gold stories", flush=True)

    if not (args.skip_baselines or args.tracking_only):
        results["baselines"] = {}
        for stream in ("mn1000", "mix1000"):
            articles, gold, _ = loaded[stream]
            rows = baselines(articles, gold, vectors.whole(stream, articles))
            results["baselines"][stream] = rows
            for row in rows:
                print(stream, row["method"], f"pair F1 {100 * row['pair_f1']:.1f}",
                      f"BCubed F1 {100 * row['bcubed_f1']:.1f}", flush=True)  # fmt: skip

    chosen = StoryGrouper()
    results["chosen"] = {}
    for stream, (articles, gold, opening) in loaded.items():
        started = time.perf_counter()
        stories = chosen.group_vectors(articles, opening)
        seconds = time.perf_counter() - started
        story_of = {a: s.id for s in stories for a in s.articles}
        scores = grouping_scores(gold, [story_of[a.id] for a in articles])
        results["chosen"][stream] = {**scores, "seconds": seconds}
        print("chosen", stream, json.dumps(results["chosen"][stream]), flush=True)

    streams = {}
    for stream, (articles, gold, opening) in loaded.items():
        order = np.argsort([a.id for a in articles], kind="stable")
        ordered = [articles[i] for i in order]
        features = NightFeatures.build(ordered, opening[order])
        streams[stream] = (features, [a.date for a in ordered], [gold[i] for i in order])
    results["variants"] = variants(streams) if streams else []

    results["tracking"] = {}
    linker = StoryLinker()
    for name, folder, count in (("tracking", "tracking", 3), ("duc2007", "duc2007", 2)):
        nights = []
        for number in range(1, count + 1):
            articles, gold = read_stream(args.streams / folder / f"night{number}.jsonl", cleaner)
            opening = vectors.opening(f"{name}-night{number}", articles)
            nights.append((f"2026-01-{number:02d}", articles, gold, opening))
        results["tracking"][name] = track(nights, chosen, linker)
        print(name, json.dumps(results["tracking"][name]), flush=True)

    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
