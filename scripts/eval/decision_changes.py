"""How many of the pipeline's embedding decisions change when one embedder replaces another.

Before any ROUGE: each cluster is cleaned and split as the default pipeline does it, embedded
by both embedders (configuration names, e.g. ``minilm`` and ``student``), and every decision
that reads a cosine is taken with each, at the levels the default configuration gives them:

- dedup: sentence pairs at or above ``dedup.threshold`` (same sentence, one candidate);
- support: pairs of sentences of different articles that the support rule calls the same fact;
- copy: articles found to republish another (``CopyDetector``);
- novelty: new sentences that restate one already read (``update.similarity``), for clusters
  with previous articles (DUC 2007 update B).

It prints, per decision, how many were taken with the first embedder, with the second, and how
many differ, plus the cosine of the two embedders' vectors for the same sentence.

    python scripts/eval/decision_changes.py DATA.jsonl [DATA.jsonl...] --embedders minilm student
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from summarize.cli import compose_config
from summarize.data import Document
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters


def decisions(summarizer, cluster, embeddings: np.ndarray, sentences, previous) -> dict[str, set]:
    """Every decision of one cluster that reads a cosine, as a set of what was decided."""
    dedup = summarizer.dedup
    n = len(sentences)
    own = embeddings[:n]
    similarity = own @ own.T
    rows, cols = np.nonzero(np.triu(similarity >= dedup.threshold, k=1))
    out: dict[str, set] = {"dedup": set(zip(rows.tolist(), cols.tolist(), strict=True))}
    articles = [s.article for s in sentences]
    rule = dedup.support_rule
    loose = np.triu(similarity >= min(rule.threshold, rule.close_threshold), k=1)
    out["support"] = {
        (i, j)
        for i, j in zip(*np.nonzero(loose), strict=True)
        if articles[i] != articles[j]
        and rule.supports(sentences[i].text, sentences[j].text, float(similarity[i, j]))
    }
    document = Document(cluster, sentences, own, [])
    _, copies = summarizer.copies.detect(document, dedup.threshold)
    out["copy"] = {(r.article, r.copy_of) for r in copies}
    if previous:
        old = embeddings[n:]
        level = summarizer.update.similarity
        restated = (own @ old.T).max(axis=1) >= level
        out["novelty"] = set(np.flatnonzero(restated).tolist())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, nargs="+", help="JSONL clusters")
    parser.add_argument("--embedders", nargs=2, default=["minilm", "student"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache-dir", default=None, help="cache of models and vectors")
    args = parser.parse_args()
    extra = [f"cache_dir={args.cache_dir}"] if args.cache_dir else ["cache_dir=null"]
    configs = [compose_config(f"embedder={name}", *extra) for name in args.embedders]
    # the cache answers bit for bit what a fresh run computes: a run of either filled it
    summarizers = [build_summarizer(config) for config in configs]
    base = summarizers[0]
    for path in args.data:
        totals: dict[str, list[int]] = {}
        cosines = []
        for number, cluster in enumerate(read_clusters(path)):
            if args.limit is not None and number >= args.limit:
                break
            if isinstance(cluster, ClusterFailure):
                print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
                continue
            warnings: list[str] = []
            articles = base._clean(cluster.articles, warnings)
            cluster = dataclasses.replace(cluster, articles=tuple(articles))
            sentences = base._split(articles, warnings)
            previous = base._split(base._clean(cluster.previous_articles, warnings), warnings)
            texts = [s.text for s in sentences + previous]
            if not sentences:
                continue
            taken = []
            vectors = []
            for summarizer in summarizers:
                embeddings = summarizer.embedder.encode(texts)
                vectors.append(embeddings)
                taken.append(decisions(summarizer, cluster, embeddings, sentences, previous))
            cosines.append((vectors[0] * vectors[1]).sum(axis=1))
            for name in taken[0]:
                first, second = taken[0][name], taken[1][name]
                counts = totals.setdefault(name, [0, 0, 0])
                counts[0] += len(first)
                counts[1] += len(second)
                counts[2] += len(first ^ second)
        cosine = np.concatenate(cosines)
        print(f"{path.name}: {len(cosine):,} sentences; cosine {args.embedders[0]} to "
              f"{args.embedders[1]}: mean {cosine.mean():.4f}, 1st percentile "
              f"{np.percentile(cosine, 1):.4f}, min {cosine.min():.4f}")  # fmt: skip
        print(f"| decision | {args.embedders[0]} | {args.embedders[1]} | differ |")
        print("|---|---|---|---|")
        for name, (first, second, differ) in totals.items():
            print(f"| {name} | {first} | {second} | {differ} |")


if __name__ == "__main__":
    main()
