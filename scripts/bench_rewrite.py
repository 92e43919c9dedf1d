"""Benchmark of the rewriting stage: extractive vs rewritten briefings on reference clusters.

Runs the pipeline (default configuration plus any ``--set`` overrides) with the llama.cpp
rewriter on the first clusters of a JSONL file, keeping each cluster's extractive briefing as
it entered the rewriter, and reports ROUGE-1/2/Lsum F1 of both, the guard's rejection rate and
the seconds per cluster. Writes ``bench_rewrite.md`` (figures and two briefings side by side)
and ``bench_rewrite.json`` (per cluster) into ``--out``. The data stay where they are: nothing
from the input is meant to be committed.

    python scripts/bench_rewrite.py ../shared/data/multi_news/fulltext_sample.jsonl \\
        --model ~/.cache/summarize-test-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        --clusters 20 --out /tmp/bench-rewrite
"""

from __future__ import annotations

import os

# torch and llama.cpp share one OpenMP runtime; its default busy-waiting makes llama.cpp up to
# 50x slower on a busy CPU once torch has run. The policy is read when torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from itertools import islice
from pathlib import Path

from hydra.utils import instantiate

from summarize.cli import compose_config
from summarize.data import Briefing, Document
from summarize.output.evaluate import RougeEvaluator
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters
from summarize.stages.rewrite import Encoder, Rewriter

METRICS = ("rouge1_f", "rouge2_f", "rougeLsum_f")


class _Recorder:
    """Passes the briefing on to the rewriter, keeping the extractive one it was given."""

    def __init__(self, rewriter: Rewriter) -> None:
        self.rewriter = rewriter
        self.extractive: Briefing | None = None

    def rewrite(
        self,
        briefing: Briefing,
        document: Document,
        encode: Encoder,
        budget_words: int,
    ) -> Briefing:
        self.extractive = briefing
        return self.rewriter.rewrite(briefing, document, encode, budget_words)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("jsonl", type=Path, help="clusters with reference summaries (JSONL)")
    parser.add_argument("--model", required=True, help="GGUF file for rewriter=llama_cpp")
    parser.add_argument("--clusters", type=int, default=20, help="first N clusters (20)")
    parser.add_argument("--out", type=Path, default=Path("bench-rewrite"), help="output folder")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp CPU threads")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Hydra override, e.g. --set rewriter.guard.min_similarity=0.5 (repeatable)",
    )
    return parser.parse_args()


def _side_by_side(row: dict) -> str:
    """Two briefings as a two-column table, then what the guard rejected."""
    extractive = "<br><br>".join(_cell(s) for s in row["extractive"])
    rewritten = "<br><br>".join(
        _cell(s["text"]) + ("" if s["rewritten"] else " *(extractive)*") for s in row["final"]
    )
    info = row["rewrite"]
    lines = [
        f"### {row['id']}",
        "",
        f"ROUGE-1/2/Lsum F1: extractive {_triple(row['scores_extractive'])}, "
        f"rewritten {_triple(row['scores_final'])}; rewrite used: {info['used']}, "
        f"{info['rejected']} of {info.get('generated', 0)} written sentences rejected, "
        f"{info['seconds']:.1f} s.",
        "",
        f"| Extractive ({row['words_extractive']} words) "
        f"| Rewritten ({row['words_final']} words) |",
        "|---|---|",
        f"| {extractive} | {rewritten} |",
        "",
    ]
    if info["reasons"]:
        lines.append("Rejected by the guard:")
        lines.append("")
        lines += [f"- {_cell(r['sentence'])} — *{r['reason']}*" for r in info["reasons"]]
        lines.append("")
    if info.get("reason") and not info["used"]:
        lines += [f"Not used: {info['reason']}", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _triple(scores: dict[str, float]) -> str:
    return "/".join(f"{scores[m]:.1f}" for m in METRICS)


def main() -> int:
    args = _arguments()
    overrides = ["rewriter=llama_cpp", f"rewriter.model={args.model}", *args.set]
    if args.threads:
        overrides.append(f"rewriter.threads={args.threads}")
    cfg = compose_config(*overrides)
    summarizer = build_summarizer(cfg)
    recorder = _Recorder(summarizer.rewriter)
    summarizer.rewriter = recorder
    budget = int(cfg.budget.words)
    rouge = (
        instantiate(cfg.evaluation)
        if cfg.get("evaluation")
        else RougeEvaluator(budget_words=budget)
    )

    rows: list[dict] = []
    for cluster in islice(read_clusters(args.jsonl), args.clusters):
        if isinstance(cluster, ClusterFailure):
            print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
            continue
        started = time.perf_counter()
        recorder.extractive = None
        final = summarizer.summarize(cluster)
        seconds = time.perf_counter() - started
        extractive = recorder.extractive
        assert extractive is not None
        info = final.details["rewrite"]
        row = {
            "id": cluster.id,
            "extractive": [s.text for s in extractive.sentences],
            "final": [{"text": s.text, "rewritten": s.rewritten} for s in final.sentences],
            "words_extractive": extractive.words,
            "words_final": final.words,
            "scores_extractive": rouge.score(
                [s.text for s in extractive.sentences], cluster.references
            ),
            "scores_final": rouge.score([s.text for s in final.sentences], cluster.references),
            "rewrite": info,
            "seconds_cluster": seconds,
        }
        rows.append(row)
        print(
            f"{cluster.id}: used={info['used']} rejected={info['rejected']}/"
            f"{info.get('generated', 0)} words {row['words_extractive']}->{row['words_final']} "
            f"R1 {row['scores_extractive']['rouge1_f']:.1f}->{row['scores_final']['rouge1_f']:.1f}"
            f" {seconds:.1f} s" + (f" [{info.get('reason')}]" if not info["used"] else ""),
            flush=True,
        )
    if not rows:
        print("no cluster was summarized", file=sys.stderr)
        return 1

    def mean(key: str, metric: str, subset: list[dict] = rows) -> float:
        return statistics.fmean(r[key][metric] for r in subset) if subset else float("nan")

    used = [r for r in rows if r["rewrite"]["used"]]
    generated = sum(r["rewrite"].get("generated", 0) for r in rows)
    rejected = sum(r["rewrite"]["rejected"] for r in rows)
    kinds = Counter(reason["reason"].split()[0] for r in rows for reason in r["rewrite"]["reasons"])
    errors = [r["rewrite"]["error"] for r in rows if "error" in r["rewrite"]]
    summary = {
        "input": str(args.jsonl),
        "clusters": len(rows),
        "model": args.model,
        "overrides": overrides,
        "budget_words": budget,
        "rouge_f1_extractive": {m: mean("scores_extractive", m) for m in METRICS},
        "rouge_f1_rewritten": {m: mean("scores_final", m) for m in METRICS},
        "rouge_f1_extractive_where_used": {m: mean("scores_extractive", m, used) for m in METRICS},
        "rouge_f1_rewritten_where_used": {m: mean("scores_final", m, used) for m in METRICS},
        "rewrite_used": len(used),
        "sentences_written": generated,
        "sentences_rejected": rejected,
        "rejection_rate": rejected / generated if generated else float("nan"),
        "rejections_by_kind": dict(kinds.most_common()),
        "rewrite_seconds_per_cluster": statistics.fmean(r["rewrite"]["seconds"] for r in rows),
        "pipeline_seconds_per_cluster": statistics.fmean(r["seconds_cluster"] for r in rows),
        "words_extractive": statistics.fmean(r["words_extractive"] for r in rows),
        "words_rewritten": statistics.fmean(r["words_final"] for r in rows),
        "errors": errors,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_rewrite.json").write_text(
        json.dumps({"summary": summary, "clusters": rows}, indent=2, ensure_ascii=False)
    )
    # The first rewrite used, and the first where the guard rejected a sentence, if any.
    rejecting = [r for r in rows if r["rewrite"]["rejected"]]
    shown = [*used[:1], *(r for r in rejecting + rows if not used or r is not used[0])][:2]
    table = [
        "| | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | words |",
        "|---|---|---|---|---|",
    ]
    for label, key, subset in (
        ("extractive, all clusters", "scores_extractive", rows),
        ("rewritten, all clusters", "scores_final", rows),
        ("extractive, where the rewrite was used", "scores_extractive", used),
        ("rewritten, where the rewrite was used", "scores_final", used),
    ):
        words_key = "words_extractive" if key == "scores_extractive" else "words_final"
        words = statistics.fmean(r[words_key] for r in subset) if subset else float("nan")
        table.append(
            f"| {label} | "
            + " | ".join(f"{mean(key, m, subset):.2f}" for m in METRICS)
            + f" | {words:.0f} |"
        )
    report = [
        "# Rewriting benchmark",
        "",
        f"{len(rows)} clusters of `{args.jsonl.name}`, model `{Path(args.model).name}`, "
        f"budget {budget} words, overrides `{' '.join(overrides[2:]) or 'none'}`.",
        "",
        *table,
        "",
        f"- Rewrite used for {len(used)} of {len(rows)} clusters.",
        f"- Guard: {rejected} of {generated} written sentences rejected "
        f"({summary['rejection_rate']:.1%}); by kind: "
        + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none")
        + ".",
        f"- Seconds per cluster: rewrite {summary['rewrite_seconds_per_cluster']:.1f}, "
        f"whole pipeline {summary['pipeline_seconds_per_cluster']:.1f}.",
        f"- Errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else "") + ".",
        "",
        "## Two briefings side by side",
        "",
        *(_side_by_side(r) for r in shown),
    ]
    (args.out / "bench_rewrite.md").write_text("\n".join(report))
    print(json.dumps(summary, indent=2))
    print(f"wrote {args.out / 'bench_rewrite.md'} and {args.out / 'bench_rewrite.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
