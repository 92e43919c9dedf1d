"""Time and memory of grouping a night of 5k to 40k loose articles.

    python scripts/bench/bench_stories.py ../shared/data --cache /tmp/stories-cache

Articles: every Multi-News validation cluster flattened (15,317 articles, already plain text,
so not cleaned here). Above that, perturbed copies: copy ``c`` of an article drops 10% of its
words at random (seeded) and gets id ``<id>~c``; its vector is the original's plus Gaussian
noise of norm about 0.3, renormalised (cosine about 0.95 to the original), so a copy is close
to its original but never identical, as wire copy rewritten by another outlet.

Vectors are the article vectors the summarizer's embedding gives anyway (mean of the opening
sentences' MiniLM vectors, computed once with the embedding cache in ``--cache``) and are fed
to ``StoryGrouper.group_vectors``: what is measured is the grouping alone. Each size runs in a
fresh process; memory is that process's peak resident size minus its size just before grouping
(articles and vectors loaded). Each run also scores its grouping (pair and BCubed F1) against
the pool's Multi-News clusters, copies counting with their original. The peer for speed,
measured in the same run on the same
machine: the issue's baseline, TF-IDF + average-link agglomerative clustering over the full
distance matrix (scikit-learn), at the sizes it can hold (its matrix is n^2 doubles).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES = (5000, 10000, 20000, 40000)
BASELINE_SIZES = (2500, 5000)
DROP = 0.1
NOISE = 0.3


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pool_records(data: Path, size: int = max(SIZES)) -> tuple[list[dict], int]:
    """The pool's first ``size`` articles (``id``, ``text``) and how many are originals.

    Every Multi-News validation article once (whitespace-normalised duplicates dropped), then
    perturbed copies (10% of the words dropped, seeded) until there are ``size``. Copy ``c`` of
    an article is ``<id>~c``; the records do not depend on ``size`` beyond being cut there.
    ``story`` is the article's cluster (its first, for a text several clusters hold), so the
    grouping of the pool is also scored: republished copies are one story with their original.
    """
    records: list[dict] = []
    seen = set()
    with (data / "multi_news" / "validation_truncated.jsonl").open(encoding="utf-8") as lines:
        for cluster, line in enumerate(lines):
            for text in json.loads(line)["documents"]:
                key = " ".join(text.split())
                if key and key not in seen:
                    seen.add(key)
                    records.append(
                        {"id": f"mn{len(records):05d}", "text": text, "story": f"mn-{cluster}"}
                    )
    originals = len(records)
    if size <= originals:
        return records[:size], size
    rng = random.Random(0)
    copy = 1
    while len(records) < size:
        take = min(originals, size - len(records))
        for number in range(take):
            words = records[number]["text"].split()
            kept = [w for w in words if rng.random() >= DROP]
            original = records[number]
            records.append({"id": f"{original['id']}~{copy}", "text": " ".join(kept),
                            "story": original["story"]})  # fmt: skip
        copy += 1
    return records, originals


def build_pool(data: Path, cache: Path, pool: Path, model: bool = True) -> None:
    """Writes ``pool/articles.jsonl`` and ``pool/vectors.npy`` with max(SIZES) articles.
    Without ``model``, the vectors are seeded random unit vectors (no MiniLM pass over 15,000
    articles: the default grouping reads the words, the vector only steers the neighbour
    search a little, so the work measured is the same)."""
    from summarize.stages.embed import SentenceTransformerEmbedder
    from summarize.stages.group import LooseArticle
    from summarize.stages.group.features import article_vectors
    from summarize.stages.split import PunktSplitter

    records, originals = pool_records(data)
    articles = [LooseArticle(id=r["id"], text=r["text"]) for r in records[:originals]]
    noise = np.random.default_rng(0)
    if model:
        embedder = SentenceTransformerEmbedder(
            backend="onnx-int8", cache_dir=str(cache / "embeddings")
        )
        vectors = article_vectors(articles, embedder, PunktSplitter(), 5)
    else:
        vectors = noise.normal(size=(len(articles), 384))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    all_vectors = [vectors]
    for start in range(originals, len(records), originals):
        take = min(originals, len(records) - start)
        jitter = noise.normal(
            scale=NOISE / np.sqrt(vectors.shape[1]), size=(take, vectors.shape[1])
        )
        moved = vectors[:take] + jitter
        all_vectors.append(moved / np.linalg.norm(moved, axis=1, keepdims=True))
    pool.mkdir(parents=True, exist_ok=True)
    with (pool / "articles.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    np.save(pool / "vectors.npy", np.vstack(all_vectors).astype(np.float32))
    print(f"pool: {originals} articles, {len(records) - originals} perturbed copies", flush=True)


def measure(pool: Path, size: int, method: str) -> dict:
    """One size in this process: seconds and memory of grouping the first ``size`` articles."""
    from summarize.stages.group import LooseArticle, StoryGrouper, grouping_scores

    with (pool / "articles.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(size), lines, strict=False)]
    articles = [LooseArticle(id=r["id"], text=r["text"]) for r in records]
    vectors = np.load(pool / "vectors.npy")[:size]
    before = rss_mb()
    started = time.perf_counter()
    if method.startswith("stories"):
        settings = {
            "stories": {},
            "stories-no-check": {"split_below": None},  # as before the story-level check
            "stories-cosine": {"score": "cosine", "threshold": 0.16},  # before the pair model
        }[method]
        grouped = StoryGrouper(**settings).group_vectors(articles, vectors)
        story_of = {a: n for n, story in enumerate(grouped) for a in story.articles}
        labels = [story_of[a.id] for a in articles]
    else:
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.feature_extraction.text import TfidfVectorizer

        tfidf = TfidfVectorizer(stop_words="english").fit_transform([a.text for a in articles])
        distances = np.clip(1.0 - (tfidf @ tfidf.T).toarray(), 0.0, 2.0)
        model = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=0.8
        )
        labels = model.fit_predict(distances).tolist()
    seconds = time.perf_counter() - started
    row = {"method": method, "articles": size, "stories": len(set(labels)),
           "seconds": round(seconds, 2), "memory_mb": round(peak_mb() - before, 1)}  # fmt: skip
    if all("story" in r for r in records):  # a pool written before stories were kept has none
        scores = grouping_scores([r["story"] for r in records], labels)
        row.update({k: round(100 * scores[k], 1) for k in ("pair_f1", "bcubed_f1")})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, nargs="?", help="the shared data folder")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories-cache"))
    parser.add_argument("--pool", type=Path, default=None, help="reuse or keep the article pool")
    parser.add_argument("--no-model", action="store_true", help="random vectors, no MiniLM")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    pool = args.pool or args.cache / "bench-pool"
    if args.one:
        print(json.dumps(measure(pool, int(args.one[0]), args.one[1])))
        return
    if not (pool / "vectors.npy").exists():
        build_pool(args.data, args.cache, pool, model=not args.no_model)
    rows = []
    runs = [(n, "stories") for n in SIZES] + [(n, "stories-no-check") for n in SIZES]
    runs += [(n, "full-matrix") for n in BASELINE_SIZES]
    for size, method in runs:
        output = subprocess.run(
            [sys.executable, __file__, "--pool", str(pool), "--one", str(size), method],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    ours = {r["articles"]: r for r in rows if r["method"] == "stories"}
    unchecked = {r["articles"]: r for r in rows if r["method"] == "stories-no-check"}
    base = {r["articles"]: r for r in rows if r["method"] == "full-matrix"}
    print("\n| articles | stories | seconds | s per 1k articles | memory MB |")
    print("|---|---|---|---|---|")
    for size, row in ours.items():
        print(f"| {size:,} | {row['stories']:,} | {row['seconds']:.1f} | "
              f"{1000 * row['seconds'] / size:.2f} | {row['memory_mb']:.0f} |")  # fmt: skip
    for size, row in unchecked.items():
        print(f"without the story-level check at {size:,}: {row['seconds']:.1f} s, "
              f"{row['memory_mb']:.0f} MB, {row['stories']:,} stories")  # fmt: skip
    for size, row in base.items():
        ratio = row["seconds"] / ours[size]["seconds"] if size in ours else None
        print(f"full matrix at {size:,}: {row['seconds']:.1f} s, {row['memory_mb']:.0f} MB"
              + (f" ({ratio:.1f}x the stories grouper)" if ratio else ""))  # fmt: skip
    print(
        f"growth 5k -> 40k: time x{ours[40000]['seconds'] / ours[5000]['seconds']:.1f} "
        "for 8x the articles"
    )


if __name__ == "__main__":
    main()
