"""Which sentence should open a briefing? Rules for the lede, scored against the references.

The selector decides which sentences a briefing has; the orderer decides which one comes first.
For every briefing of a run with the default configuration, this scores each candidate lede
rule by the share of the lede's bigrams that the reference summaries use (ROUGE-2 precision
against the references, averaged over them): a lede that states what the summary writers
found most important scores high. Only the briefing's own sentences that may open a briefing
(``summarize.stages.order.context.can_lead``) are eligible, as in the orderer.

    python scripts/lede_study.py DATA.jsonl [--budget 250] [--limit N] [overrides...]

Rules: ``centrality`` (cosine to the cluster's centroid), ``centrality+lead/B`` (plus
``B / (1 + position)``), ``earliest`` (lowest position), ``centrality+relevance`` (plus the
query relevance in [0, 1], focused briefings only) and ``shipped``
(``summarize.stages.order.order.lede_of``, what briefings open on).
"""

from __future__ import annotations

import argparse
import sys
from itertools import islice
from pathlib import Path

import numpy as np
from hydra.utils import instantiate

from summarize.cli import compose_config
from summarize.data import Candidates, sentence_key
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters
from summarize.stages.order.context import can_lead
from summarize.stages.order.order import lede_of

LEAD_BONUSES = (0.1, 0.2, 0.3, 0.5, 1.0)


def rules(candidates: Candidates, heads: list[int]) -> dict[str, int]:
    """Rule name -> the head it opens on."""
    centrality = candidates.embeddings[heads] @ candidates.centroid
    positions = np.array([candidates.sentences[i].position for i in heads], dtype=np.float64)
    chosen = {
        "centrality": heads[int(np.argmax(centrality))],
        "earliest": heads[int(np.lexsort((-centrality, positions))[0])],
        "shipped": heads[lede_of(candidates, heads)],
    }
    for bonus in LEAD_BONUSES:
        chosen[f"centrality+lead/{bonus:g}"] = heads[
            int(np.argmax(centrality + bonus / (1 + positions)))
        ]
    if candidates.focus is not None and candidates.focus.max() > 0:
        relevance = candidates.focus[heads] / candidates.focus.max()
        chosen["centrality+relevance"] = heads[int(np.argmax(centrality + relevance))]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="JSONL clusters with reference summaries")
    parser.add_argument("--budget", type=int, default=250)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. cache_dir=DIR")
    args = parser.parse_intermixed_args(argv)
    cfg = compose_config(f"budget.words={args.budget}", *args.overrides)
    summarizer = build_summarizer(cfg)
    evaluator = instantiate(cfg.evaluation)
    scores: dict[str, list[float]] = {}
    for cluster in islice(read_clusters(args.data), args.limit):
        if isinstance(cluster, ClusterFailure):
            print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
            continue
        briefing = summarizer.summarize(cluster)
        candidates = summarizer.prepare(cluster)
        rows = {sentence_key(s): i for i, s in enumerate(candidates.sentences)}
        chosen = [rows[sentence_key(s)] for s in briefing.sentences if not s.background]
        heads = [i for i in chosen if can_lead(candidates.sentences[i].text)]
        if not heads:
            continue
        precision = {
            i: evaluator.score([candidates.sentences[i].text], cluster.references)["rouge2_p"]
            for i in heads
        }
        scores.setdefault("mean of the eligible", []).append(
            float(np.mean(list(precision.values())))
        )
        for rule, head in rules(candidates, heads).items():
            scores.setdefault(rule, []).append(precision[head])
    print(f"{args.data.name}, {args.budget} words, {len(scores['shipped'])} briefings")
    print("| lede rule | R-2 precision of the lede | briefings |")
    print("|---|---|---|")
    for rule, values in scores.items():
        print(f"| {rule} | {np.mean(values):.2f} | {len(values)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
