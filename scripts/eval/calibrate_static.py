"""Cosine levels for ``embedder=static`` that mean what MiniLM's mean, by matching quantiles.

The dedup, support and update stages compare cosines with levels chosen on MiniLM (0.8 "same
sentence", 0.6 and 0.85 "same fact", 0.7 "already read"). A static model's cosines live on
another scale, so each level is carried over by the share of sentence pairs it lets through:
the static level is the cosine that as many within-cluster pairs reach as reach the MiniLM
level. Nothing here looks at a summary or a reference, so the levels are not tuned to ROUGE.

    python scripts/eval/calibrate_static.py DATA.jsonl [--clusters 600] [--cache-dir DIR] \
        [--embedder static|student] [overrides]

Prints the agreement of the two embedders on every within-cluster pair (Pearson, Spearman),
and per level the share of pairs, the static level and how many of the pairs MiniLM puts
above the level the static model puts above its own (Jaccard).
"""

from __future__ import annotations

import argparse
from itertools import islice
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

from summarize.cli import compose_config
from summarize.data import InputError
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters

LEVELS = {"duplicate": 0.8, "support": 0.6, "close_support": 0.85, "novelty": 0.7}
"""MiniLM's levels: ``dedup.threshold``, ``support_threshold``, ``support_close_threshold``,
``update.similarity``."""


def pair_cosines(
    data: Path, clusters: int, cache_dir: str | None, overrides: list[str], other: str = "static"
) -> tuple[np.ndarray, ...]:
    """Cosines of every pair of sentences of different articles of a cluster, per embedder."""
    cache = [f"cache_dir={cache_dir}"] if cache_dir else []
    static = build_summarizer(compose_config(f"embedder={other}", *cache, *overrides))
    minilm = build_summarizer(compose_config(*cache))
    teacher, student = [], []
    for cluster in islice(read_clusters(data), clusters):
        if isinstance(cluster, ClusterFailure):
            continue
        try:
            document = static.prepare(cluster).document
        except InputError:  # nothing left after cleaning: no pairs
            continue
        texts = [s.text for s in document.sentences]
        articles = np.array([s.article for s in document.sentences])
        rows, cols = np.triu_indices(len(texts), k=1)
        across = articles[rows] != articles[cols]
        rows, cols = rows[across], cols[across]
        vectors = minilm.embedder.encode(texts)
        teacher.append(np.einsum("ij,ij->i", vectors[rows], vectors[cols]))
        student.append(np.einsum("ij,ij->i", document.embeddings[rows], document.embeddings[cols]))
    return np.concatenate(teacher), np.concatenate(student)


def matched_level(teacher: np.ndarray, student: np.ndarray, level: float) -> tuple[float, float]:
    """The student's cosine reached by the same share of pairs as the teacher's ``level``."""
    share = float((teacher >= level).mean())
    return share, float(np.quantile(student, 1 - share))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="JSONL clusters (a dev set, not a test set)")
    parser.add_argument("--clusters", type=int, default=600)
    parser.add_argument(
        "--cache-dir", default=None, help="the cache folder (the static model, MiniLM vectors)"
    )
    parser.add_argument("--embedder", default="static", help="what to calibrate: static|student")
    parser.add_argument("overrides", nargs="*", help="for the static model: embedder.pca_dims=...")
    args = parser.parse_intermixed_args()
    teacher, student = pair_cosines(
        args.data, args.clusters, args.cache_dir, args.overrides, args.embedder
    )
    print(f"{teacher.size} within-cluster pairs of sentences from different articles")
    print(
        f"agreement: Pearson {pearsonr(teacher, student)[0]:.3f}, "
        f"Spearman {spearmanr(teacher, student)[0]:.3f}"
    )
    print(f"| level | MiniLM | share of pairs >= | {args.embedder} | Jaccard of the pairs above |")
    print("|---|---|---|---|---|")
    for name, level in LEVELS.items():
        share, mapped = matched_level(teacher, student, level)
        above, mapped_above = teacher >= level, student >= mapped
        jaccard = (above & mapped_above).sum() / max((above | mapped_above).sum(), 1)
        print(f"| {name} | {level} | {share:.5f} | {mapped:.3f} | {jaccard:.3f} |")


if __name__ == "__main__":
    main()
