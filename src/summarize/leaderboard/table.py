"""The leaderboard as text: ``leaderboard.md`` for people, ``leaderboard.csv`` for programs."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from summarize.leaderboard.options import LeaderboardOptions, metric_title
from summarize.leaderboard.rank import Row


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _p_text(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _gap_text(row: Row) -> tuple[str, str]:
    """The p-value and significance cells."""
    if row.best:
        return "best", "—"
    if row.p_value is None:
        return ("n/a", "n/a") if row.job.scored else ("", "")
    return _p_text(row.p_value), "yes" if row.significant else "no"


def _md_cell(text: str, limit: int | None = None) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _sweep_facts(rows: list[Row], options: LeaderboardOptions, sweep: Path) -> list[str]:
    """The paragraph above the table: what was run, and how to read the intervals and tests."""
    inputs = sorted({str(r.job.input_path) for r in rows if r.job.input_path})
    budgets = sorted({r.job.budget_words for r in rows if r.job.budget_words})
    clusters = sorted({len(r.job.per_cluster) for r in rows if r.job.scored})
    test = (
        "paired permutation test (sign flips)"
        if options.test == "permutation"
        else "paired bootstrap test"
    )
    return [
        f"Sweep `{sweep}`: {len(rows)} configuration(s) on "
        + (", ".join(f"`{i}`" for i in inputs) or "the configured input")
        + (f", {'/'.join(map(str, clusters))} scored cluster(s)" if clusters else "")
        + (f", budget {'/'.join(map(str, budgets))} words" if budgets else "")
        + ".",
        f"Ranked by {metric_title(options.rank_by)} (ROUGE with stemming, in percent); "
        f"[low, high] is the {options.confidence:.0%} percentile bootstrap interval of the mean "
        f"over clusters ({options.resamples} resamples).",
        f"p: two-sided {test} of each configuration against the best over the clusters both "
        f"scored, on {metric_title(options.rank_by)}; significant when p < {options.alpha} "
        "(not corrected for the number of comparisons). The oracle reads the references: an "
        "upper bound, never the best.",
        "Redundancy: share of summary sentence pairs at or above the dedup similarity. "
        "Peak MB: peak RSS of the process that ran the job; jobs sharing a process (the basic "
        "launcher runs them all in one) inherit the peaks of the jobs before them.",
    ] + (
        [
            "s/cluster marked * : the job read most clusters' sentence vectors from the embedding "
            "cache (`cache_dir`), so its time leaves out the embedding that another job did."
        ]
        if any(r.job.mostly_cached for r in rows)
        else []
    )


def _markdown_cells(row: Row, options: LeaderboardOptions) -> list[str]:
    label = _md_cell(row.label, 80)
    if row.best:
        label = f"**{label}** (best)"
    scores = []
    for metric in options.metrics:
        interval = row.intervals.get(metric)
        scores.append(
            f"{interval.mean:.2f} [{interval.low:.2f}, {interval.high:.2f}]" if interval else ""
        )
    p_text, significant = _gap_text(row)
    status = row.job.status if not row.job.error else f"{row.job.status}: {row.job.error}"
    mean = row.job.mean if row.job.scored else {}
    return [
        "oracle" if row.job.oracle and row.job.scored else str(row.rank or "—"),
        label,
        *scores,
        _fmt(mean.get("redundancy"), 3),
        _fmt(mean.get("words"), 0),
        _fmt(mean.get("seconds"), 2) + (" *" if row.job.mostly_cached and mean else ""),
        _fmt(row.job.peak_rss_mb, 0),
        str(len(row.job.per_cluster)) if row.job.scored else "0",
        p_text,
        significant,
        _md_cell(status, 160),
    ]


def render_markdown(rows: list[Row], options: LeaderboardOptions, sweep: Path) -> str:
    """``leaderboard.md``: the sweep's facts, then one table row per configuration."""
    headers = [
        "#",
        "configuration",
        *(metric_title(m) for m in options.metrics),
        "redundancy",
        "words",
        "s/cluster",
        "peak MB",
        "clusters",
        "p vs best",
        "significant",
        "status",
    ]
    lines = ["# Leaderboard", "", *_sweep_facts(rows, options, sweep), ""]
    lines += ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_markdown_cells(row, options)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_csv(rows: list[Row], options: LeaderboardOptions, path: Path) -> None:
    """``leaderboard.csv``: every mean ROUGE measure the jobs reported, raw numbers."""
    every = sorted({k for r in rows for k in r.job.mean if k.startswith("rouge")})
    extra = [m for m in every if m not in options.metrics]
    header = ["rank", "configuration", "overrides", "best", "oracle", "status", "error"]
    for metric in options.metrics:
        header += [metric, f"{metric}_low", f"{metric}_high"]
    header += extra
    header += ["redundancy", "words", "seconds_per_cluster", "peak_rss_mb", "clusters_scored"]
    header += ["p_value", "paired_clusters", "significant", "job_dir"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(_csv_values(row, options, extra))


def _csv_values(row: Row, options: LeaderboardOptions, extra: list[str]) -> list[Any]:
    mean = row.job.mean if row.job.scored else {}
    values: list[Any] = [
        row.rank or "",
        row.label,
        " ".join(row.job.overrides),
        row.best,
        row.job.oracle,
        row.job.status,
        row.job.error or "",
    ]
    for metric in options.metrics:
        interval = row.intervals.get(metric)
        values += [interval.mean, interval.low, interval.high] if interval else [""] * 3
    values += [mean.get(m, "") for m in extra]
    values += [
        mean.get("redundancy", ""),
        mean.get("words", ""),
        mean.get("seconds", ""),
        row.job.peak_rss_mb if row.job.peak_rss_mb is not None else "",
        len(row.job.per_cluster),
        row.p_value if row.p_value is not None else "",
        row.paired_clusters if row.p_value is not None else "",
        "" if row.significant is None else row.significant,
        str(row.job.folder),
    ]
    return values
