"""Ranking the jobs: an interval per measure, the best marked, every other row tested against it."""

from __future__ import annotations

from dataclasses import dataclass, field

from summarize.leaderboard.options import LeaderboardOptions
from summarize.leaderboard.stats import (
    ConfidenceInterval,
    bootstrap_ci,
    paired_bootstrap_test,
    paired_permutation_test,
)
from summarize.leaderboard.sweep import Job

ORACLE_LABEL = "(oracle: uses references)"


@dataclass
class Row:
    """One line of the table: a job, its label, intervals, rank and test against the best."""

    job: Job
    label: str
    intervals: dict[str, ConfidenceInterval] = field(default_factory=dict)
    rank: int | None = None
    best: bool = False
    p_value: float | None = None
    """Paired test of the gap to the best on ``rank_by``; None for the best and untested rows."""
    significant: bool | None = None
    paired_clusters: int = 0


def _labels(jobs: list[Job]) -> list[str]:
    """Each job's overrides minus those every job shares (the input path, say)."""
    if len(jobs) > 1:
        shared = set(jobs[0].overrides).intersection(*(set(j.overrides) for j in jobs[1:]))
    else:
        shared = set()
    labels = []
    for job in jobs:
        label = " ".join(o for o in job.overrides if o not in shared) or "(defaults)"
        labels.append(f"{label} {ORACLE_LABEL}" if job.oracle else label)
    return labels


def rank_jobs(jobs: list[Job], options: LeaderboardOptions) -> list[Row]:
    """Rows sorted by ``rank_by`` (failed jobs last), best marked, each tested against it."""
    rows = [Row(job=job, label=label) for job, label in zip(jobs, _labels(jobs), strict=True)]
    for row in rows:
        if not row.job.scored:
            continue
        for metric in options.metrics:
            values = [s[metric] for s in row.job.per_cluster.values() if metric in s]
            if values:
                row.intervals[metric] = bootstrap_ci(
                    values, options.confidence, options.resamples, options.seed
                )
    scored = [r for r in rows if options.rank_by in r.intervals]
    scored.sort(key=lambda r: -r.intervals[options.rank_by].mean)
    for number, row in enumerate((r for r in scored if not r.job.oracle), start=1):
        row.rank = number  # the oracle is a reference line, not a contender: no rank
    contenders = [r for r in scored if not r.job.oracle]
    complete = [r for r in contenders if r.job.status == "ok"]
    best = (complete or contenders or [None])[0]
    if best is not None:
        best.best = True
        for row in scored:
            if row is not best:
                _test_against(row, best, options)
    unscored = [r for r in rows if options.rank_by not in r.intervals]
    return scored + unscored


def _test_against(row: Row, best: Row, options: LeaderboardOptions) -> None:
    """Paired test of ``row`` against ``best`` on the clusters both scored on ``rank_by``."""
    test = paired_permutation_test if options.test == "permutation" else paired_bootstrap_test
    common = [
        key
        for key in best.job.per_cluster
        if options.rank_by in best.job.per_cluster[key]
        and options.rank_by in row.job.per_cluster.get(key, {})
    ]
    row.paired_clusters = len(common)
    if len(common) >= 2:
        row.p_value = test(
            [row.job.per_cluster[k][options.rank_by] for k in common],
            [best.job.per_cluster[k][options.rank_by] for k in common],
            resamples=options.resamples,
            seed=options.seed,
        )
        row.significant = row.p_value < options.alpha
