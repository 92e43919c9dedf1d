"""Does a republished story change the briefing? ROUGE with and without a copy per cluster.

Adds to every cluster a lightly edited copy of its first article, as an outlet republishing a
wire story would (a byline on top, one paragraph dropped, a few words changed; the edits are
deterministic), summarizes each cluster with and without the copy using the default
configuration, and reports ROUGE F1 for both, the drop, and how many copies were recognised.

    python scripts/eval/copy_eval.py DATA.jsonl \
        [--embedder tfidf|minilm|static|student] [--limit N] [overrides]

Extra arguments are Hydra overrides (e.g. ``selector=lexrank budget.words=100``).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from itertools import islice
from pathlib import Path

import numpy as np
from hydra.utils import instantiate

from summarize.cli import compose_config
from summarize.data import Article, Cluster
from summarize.output.evaluate import mean_scores
from summarize.pipeline import Summarizer
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters

BYLINE = "By Staff Writer, Wire Services"
# A copy editor's touches: each replaced at most once per article.
WORD_CHANGES = {
    "said": "stated",
    "about": "around",
    "also": "additionally",
    "but": "however",
    "people": "individuals",
    "after": "following",
}


def edited_copy(article: Article, index: int) -> Article:
    """The article as another outlet would republish it (see the module docstring)."""
    paragraphs = [p for p in article.text.split("\n") if p.strip()]
    if len(paragraphs) >= 3:
        del paragraphs[len(paragraphs) // 2]
    text = "\n".join([BYLINE, *paragraphs])
    for old, new in WORD_CHANGES.items():
        text = re.sub(rf"\b{old}\b", new, text, count=1)
    return dataclasses.replace(
        article, index=index, text=text, source=f"{article.source} (edited copy)"
    )


def with_copy(cluster: Cluster) -> Cluster:
    index = max(a.index for a in cluster.articles) + 1
    return dataclasses.replace(
        cluster, articles=(*cluster.articles, edited_copy(cluster.articles[0], index))
    )


def build(overrides: list[str]) -> tuple[Summarizer, object]:
    cfg = compose_config(*overrides)
    return build_summarizer(cfg), instantiate(cfg.evaluation)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="JSONL clusters with reference summaries")
    parser.add_argument(
        "--embedder", default="minilm", choices=["tfidf", "minilm", "static", "student"]
    )
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides")
    args = parser.parse_intermixed_args(argv)
    summarizer, evaluator = build([f"embedder={args.embedder}", *args.overrides])
    plain, copied = [], []
    recognised = 0
    for cluster in islice(read_clusters(args.data), args.limit):
        if isinstance(cluster, ClusterFailure):
            print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
            continue
        if not cluster.references:
            raise SystemExit(f"{args.data}: cluster {cluster.id} has no reference summary")
        for target, item in ((plain, cluster), (copied, with_copy(cluster))):
            briefing = summarizer.summarize(item)
            target.append(evaluator.score([s.text for s in briefing.sentences], item.references))
        copy_index = max(a.index for a in cluster.articles) + 1
        marked = briefing.details.get("republished", [])
        recognised += any(r["article"] == copy_index for r in marked)
    before, after = mean_scores(plain), mean_scores(copied)
    drops = np.array([p["rouge2_f"] - c["rouge2_f"] for p, c in zip(plain, copied, strict=True)])
    print(f"{len(plain)} clusters, embedder={args.embedder}, {' '.join(args.overrides)}")
    print(f"copy recognised as a republication in {recognised}/{len(plain)} clusters")
    print("metric        without   with copy   drop")
    for key in ("rouge1_f", "rouge2_f", "rougeLsum_f"):
        if key in before:
            drop = before[key] - after[key]
            print(f"{key:<12} {before[key]:8.2f} {after[key]:10.2f} {drop:7.2f}")
    print(f"clusters whose R-2 F1 changed: {int((np.abs(drops) > 1e-9).sum())}/{len(drops)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
