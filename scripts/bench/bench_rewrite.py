"""Quality of the rewrite: the extractive briefing against what a rewriter makes of it.

Runs the pipeline on the first clusters of a JSONL file with reference summaries, with any
rewriter given as Hydra overrides, keeping each cluster's extractive briefing as it entered the
rewriter. For both it reports ROUGE-1/2 (F1, or recall with ``--recall`` as DUC is scored), words
and seconds per cluster; for the rewrite also how often it was used, the guard's acceptance rate
and a faithfulness figure: the share of the sentences the model wrote (before the guard;
verbatim copies of extractive sentences excluded) whose numbers, dates and names all occur in
the source articles. That is the guard's own lexical check, so the accepted ones pass by
construction: the figure measures the model, the guard keeps the briefing clean. (No
entailment check: no natural language inference model ships in a PyPI package, and nothing may
be downloaded at run time.)

Writes ``bench_rewrite.md`` (the table, then two briefings side by side) and
``bench_rewrite.json`` (per cluster) into ``--out`` after every cluster, so a run stopped early
still reports what finished. The data stay where they are: nothing from the input is committed.

    # the packaged Qwen model on this CPU
    python scripts/bench/bench_rewrite.py ../shared/data/multi_news/fulltext_sample.jsonl \\
        --clusters 30 --out /tmp/bench-mn -- budget.words=250 rewriter=llama_cpp \\
        rewriter.model=$HOME/.cache/summarize-test-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
    python scripts/bench/bench_rewrite.py ../shared/data/duc2007/update_subsetA.jsonl --recall \\
        --out /tmp/bench-duc -- budget.words=100 rewriter=llama_cpp rewriter.model=...
    # a served 7B-70B model on a GPU box
    python scripts/bench/bench_rewrite.py ../shared/data/multi_news/fulltext_sample.jsonl \\
        --clusters 30 --out /tmp/bench-mn-served -- budget.words=250 rewriter=openai \\
        rewriter.base_url=http://gpu-box:8000/v1 rewriter.model=Qwen/Qwen2.5-7B-Instruct
"""

from __future__ import annotations

import os

# torch and llama.cpp share one OpenMP runtime; its default busy-waiting makes llama.cpp up to
# 50x slower on a busy CPU once torch has run. The policy is read when torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import re
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

from summarize.cli import compose_config
from summarize.data import Briefing, Document
from summarize.output.evaluate import RougeEvaluator
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import ClusterFailure, read_clusters
from summarize.stages.rewrite import Encoder, Rewriter, mapreduce
from summarize.stages.rewrite.guard import FactGuard
from summarize.stages.rewrite.reply import normal


class _Replies:
    """Records the sentences the model wrote, before the guard: wraps ``reply_sentences``."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self._read = mapreduce.reply_sentences
        mapreduce.reply_sentences = self

    def __call__(self, text: str, language: str) -> list[str]:
        sentences = self._read(text, language)
        self.written.extend(sentences)
        return sentences


class _Recorder:
    """Passes the briefing on to the rewriter, keeping the extractive one it was given."""

    def __init__(self, rewriter: Rewriter) -> None:
        self.rewriter = rewriter
        self.extractive: Briefing | None = None

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing:
        self.extractive = briefing
        return self.rewriter.rewrite(briefing, document, encode, budget_words)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Everything after -- is Hydra overrides, e.g. rewriter=openai "
        "rewriter.base_url=http://gpu-box:8000/v1 rewriter.model=NAME budget.words=250",
    )
    parser.add_argument("jsonl", type=Path, help="clusters with reference summaries (JSONL)")
    parser.add_argument("--clusters", type=int, default=30, help="first N clusters (30)")
    parser.add_argument("--recall", action="store_true", help="ROUGE recall (DUC), not F1")
    parser.add_argument("--out", type=Path, default=Path("bench-rewrite"), help="output folder")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.overrides = argv[split + 1 :]
    return args


def faithful(sentences: list[str], guard: FactGuard) -> list[bool]:
    """Whether each sentence's numbers, dates and names all occur in the guard's sources."""
    return [guard.check(sentence) is None for sentence in sentences]


def _row(
    cluster, extractive: Briefing, final: Briefing, written: list[str], seconds: float, rouge, part
) -> dict:
    info = final.details["rewrite"]
    copies = {normal(s.text) for s in extractive.sentences}
    written = [s for s in written if normal(s) not in copies]
    checks = faithful(written, FactGuard([a.text for a in cluster.articles]))

    def score(briefing: Briefing) -> dict[str, float]:
        scores = rouge.score([s.text for s in briefing.sentences], cluster.references)
        return {m: scores[f"{m}_{part}"] for m in ("rouge1", "rouge2")}

    return {
        "id": cluster.id,
        "extractive": [s.text for s in extractive.sentences],
        "final": [{"text": s.text, "rewritten": s.rewritten} for s in final.sentences],
        "words_extractive": extractive.words,
        "words_final": final.words,
        "scores_extractive": score(extractive),
        "scores_final": score(final),
        "written_checked": len(checks),
        "written_faithful": sum(checks),
        "rewrite": info,
        "seconds_final": seconds,
        "seconds_extractive": seconds - info.get("seconds", 0.0),
    }


def _summary(rows: list[dict]) -> dict:
    def mean(values) -> float:
        values = list(values)
        return statistics.fmean(values) if values else float("nan")

    generated = sum(r["rewrite"].get("generated", 0) for r in rows)
    rejected = sum(r["rewrite"]["rejected"] for r in rows)
    checked = sum(r["written_checked"] for r in rows)
    reasons: dict[str, int] = {}
    for r in rows:
        if not r["rewrite"]["used"]:
            reason = re.sub(r"\d+", "N", (r["rewrite"].get("reason") or "?").split(":")[0])
            reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "clusters": len(rows),
        "used": sum(r["rewrite"]["used"] for r in rows),
        "fallback_reasons": reasons,
        "sentences_written": generated,
        "sentences_rejected": rejected,
        "acceptance": (generated - rejected) / generated if generated else float("nan"),
        "faithful": sum(r["written_faithful"] for r in rows) / checked if checked else float("nan"),
        "extractive": {
            **{m: mean(r["scores_extractive"][m] for r in rows) for m in ("rouge1", "rouge2")},
            "words": mean(r["words_extractive"] for r in rows),
            "seconds": mean(r["seconds_extractive"] for r in rows),
        },
        "rewritten": {
            **{m: mean(r["scores_final"][m] for r in rows) for m in ("rouge1", "rouge2")},
            "words": mean(r["words_final"] for r in rows),
            "seconds": mean(r["seconds_final"] for r in rows),
        },
    }


def _report(args: argparse.Namespace, label: str, budget: int, rows: list[dict]) -> str:
    s = _summary(rows)
    part = "recall" if args.recall else "F1"
    lines = [
        "# Rewriting benchmark",
        "",
        f"{len(rows)} clusters of `{args.jsonl.name}`, budget {budget} words, ROUGE {part}; "
        f"overrides `{' '.join(args.overrides) or 'none'}`.",
        "",
        "| briefing | R-1 | R-2 | used | guard accepts | faithful | words | s/cluster |",
        "|---|---|---|---|---|---|---|---|",
        "| extractive | {rouge1:.2f} | {rouge2:.2f} | | | | {words:.0f} | {seconds:.1f} |".format(
            **s["extractive"]
        ),
        f"| {label} | {s['rewritten']['rouge1']:.2f} | {s['rewritten']['rouge2']:.2f} | "
        f"{s['used']}/{s['clusters']} | {s['acceptance']:.0%} | {s['faithful']:.0%} | "
        f"{s['rewritten']['words']:.0f} | {s['rewritten']['seconds']:.1f} |",
        "",
        f"- Guard: {s['sentences_written'] - s['sentences_rejected']} of "
        f"{s['sentences_written']} written sentences accepted.",
        "- Extractive briefing kept because: "
        + (", ".join(f"{k} ({n})" for k, n in s["fallback_reasons"].items()) or "never")
        + ".",
        "",
        "## Two briefings side by side",
        "",
    ]
    used = [r for r in rows if r["rewrite"]["used"]]
    for row in (used or rows)[:2]:
        extractive = "<br><br>".join(_cell(t) for t in row["extractive"])
        final = "<br><br>".join(
            _cell(t["text"]) + ("" if t["rewritten"] else " *(extractive)*") for t in row["final"]
        )
        lines += [
            f"### {row['id']}",
            "",
            f"| Extractive ({row['words_extractive']} words) | {label} ({row['words_final']} "
            "words) |",
            "|---|---|",
            f"| {extractive} | {final} |",
            "",
        ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    args = _arguments()
    cfg = compose_config(*args.overrides)
    if not cfg.get("rewriter"):
        print("give a rewriter, e.g. -- rewriter=llama_cpp rewriter.model=X", file=sys.stderr)
        return 2
    summarizer = build_summarizer(cfg)
    if hasattr(summarizer.rewriter, "check_reachable"):
        summarizer.rewriter.check_reachable()
    replies = _Replies()
    recorder = _Recorder(summarizer.rewriter)
    summarizer.rewriter = recorder
    budget = int(cfg.budget.words)
    rouge = RougeEvaluator(metrics=("rouge1", "rouge2"), budget_words=budget)
    label = f"{cfg.rewriter._target_.rsplit('.', 1)[-1]} {Path(str(cfg.rewriter.model)).name}"
    args.out.mkdir(parents=True, exist_ok=True)

    rows: list[dict] = []
    for cluster in islice(read_clusters(args.jsonl), args.clusters):
        if isinstance(cluster, ClusterFailure):
            print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
            continue
        replies.written.clear()
        started = time.perf_counter()
        final = summarizer.summarize(cluster)
        seconds = time.perf_counter() - started
        assert recorder.extractive is not None
        part = "r" if args.recall else "f"
        row = _row(cluster, recorder.extractive, final, replies.written, seconds, rouge, part)
        rows.append(row)
        info = row["rewrite"]
        print(
            f"{cluster.id}: used={info['used']} words {row['words_extractive']}->"
            f"{row['words_final']} R2 {row['scores_extractive']['rouge2']:.1f}->"
            f"{row['scores_final']['rouge2']:.1f} {seconds:.0f} s"
            + ("" if info["used"] else f" [{info.get('reason')}]"),
            flush=True,
        )
        (args.out / "bench_rewrite.json").write_text(
            json.dumps(
                {"overrides": args.overrides, "summary": _summary(rows), "clusters": rows},
                indent=2,
                ensure_ascii=False,
            )
        )
        (args.out / "bench_rewrite.md").write_text(_report(args, label, budget, rows))
    if not rows:
        print("no cluster was summarized", file=sys.stderr)
        return 1
    print(_report(args, label, budget, rows).split("\n## ")[0])
    print(f"wrote {args.out / 'bench_rewrite.md'} and {args.out / 'bench_rewrite.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
