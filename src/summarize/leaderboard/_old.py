"""One table that compares the configurations of a sweep, with how sure each difference is.

After ``python -m summarize -m selector=lead,mmr,...`` every job folder holds its
``metrics.json`` (per-cluster ROUGE) and ``manifest.json``. The leaderboard reads them all and
writes ``leaderboard.md``, ``leaderboard.csv`` and ``leaderboard.png`` into the sweep folder:
one row per configuration, bootstrap confidence intervals over clusters, the best configuration
marked and, for every other one, a paired test of its gap to the best. Jobs that failed are rows
too, with their error, so a sweep never silently loses a configuration.

Hydra calls ``LeaderboardCallback.on_multirun_end`` (registered in ``conf/hydra/default.yaml``);
``python -m summarize.leaderboard SWEEP_DIR`` rebuilds the files, e.g. after an interrupted sweep.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from summarize.stats import (
    Interval,
    bootstrap_ci,
    paired_bootstrap_test,
    paired_permutation_test,
)

__all__ = [
    "LeaderboardCallback",
    "LeaderboardOptions",
    "build_leaderboard",
    "read_jobs",
]

log = logging.getLogger(__name__)

ORACLE_LABEL = "(oracle: uses references)"
_SCORE_PARTS = {"f": "F1", "p": "P", "r": "R"}
_HYDRA_HINT = ", set env var HYDRA_FULL_ERROR=1 to see chained exception"
_ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*)?(?:Error|Exception|Interrupt|Exit)\b.*$")


@dataclass
class LeaderboardOptions:
    """How the table is ranked and tested; the callback's keys in ``conf/hydra/default.yaml``."""

    rank_by: str = "rouge2_f"
    """The measure that orders rows, picks the best and is tested: ``rouge2_r`` for DUC."""
    metrics: tuple[str, ...] = ("rouge1_f", "rouge2_f", "rougeLsum_f")
    """Measures shown with their confidence interval (``rank_by`` is added if missing)."""
    confidence: float = 0.95
    resamples: int = 10_000
    test: str = "permutation"
    """``permutation`` (paired sign-flip) or ``bootstrap`` (paired bootstrap)."""
    alpha: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        self.metrics = tuple(self.metrics)
        if self.rank_by not in self.metrics:
            self.metrics = (*self.metrics, self.rank_by)
        if self.test not in ("permutation", "bootstrap"):
            raise ValueError(f"test must be 'permutation' or 'bootstrap', got {self.test!r}")
        for name in self.metrics:
            _metric_title(name)

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> LeaderboardOptions:
        given = {k: v for k, v in (values or {}).items() if not k.startswith("_")}
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown leaderboard option(s): {', '.join(sorted(unknown))}")
        return cls(**given)


@dataclass
class Job:
    """What one job of the sweep left in its folder."""

    folder: Path
    num: int | None
    overrides: list[str]
    oracle: bool = False
    status: str = "ok"
    """``ok``; ``partial`` (some clusters failed); ``failed``; ``interrupted``; ``not run``."""
    error: str | None = None
    per_cluster: dict[str, dict[str, float]] = field(default_factory=dict)
    mean: dict[str, float] = field(default_factory=dict)
    clusters: int | None = None
    """Clusters read, scored or not (from the manifest)."""
    peak_rss_mb: float | None = None
    input_path: str | None = None
    budget_words: int | None = None
    clusters_from_cache: int = 0
    """Clusters whose sentence vectors came from the embedding cache, not from the model."""

    @property
    def scored(self) -> bool:
        return bool(self.per_cluster)


@dataclass
class Row:
    job: Job
    label: str
    intervals: dict[str, Interval] = field(default_factory=dict)
    rank: int | None = None
    best: bool = False
    p_value: float | None = None
    """Paired test of the gap to the best on ``rank_by``; None for the best and untested rows."""
    significant: bool | None = None
    paired_clusters: int = 0


class LeaderboardCallback(Callback):
    """Writes the leaderboard into the sweep folder once every job of a multirun has returned."""

    def __init__(self, **options: Any) -> None:
        self.options = LeaderboardOptions.from_mapping(options)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            path = build_leaderboard(sweep_dir, self.options)
        except Exception:  # the jobs' results are on disk; never fail the sweep over the table
            log.exception(
                "could not build the leaderboard; rebuild with: python -m summarize.leaderboard %s",
                sweep_dir,
            )
            return
        log.info("leaderboard: %s\n%s", path, path.read_text(encoding="utf-8"))


def build_leaderboard(
    sweep_dir: str | Path,
    options: LeaderboardOptions | None = None,
    also: Sequence[str | Path] = (),
) -> Path:
    """Writes leaderboard.md/.csv/.png into ``sweep_dir``; returns the Markdown file's path.

    Without ``options``, those the sweep ran with (its ``multirun.yaml``) or the defaults.
    ``also`` adds the jobs of other sweep folders (see ``read_jobs``).
    """
    sweep = Path(sweep_dir)
    if not sweep.is_dir():
        raise FileNotFoundError(f"no sweep folder at {sweep}")
    options = options or _options_of_sweep(sweep)
    jobs = read_jobs(sweep, [Path(a) for a in also])
    if not jobs:
        raise FileNotFoundError(f"{sweep}: no job folders (no */.hydra/overrides.yaml)")
    rows = rank_jobs(jobs, options)
    markdown = sweep / "leaderboard.md"
    markdown.write_text(render_markdown(rows, options, sweep), encoding="utf-8")
    write_csv(rows, options, sweep / "leaderboard.csv")
    plot(rows, options, sweep / "leaderboard.png")
    return markdown


# --- reading a sweep -------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    try:
        return OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except Exception:  # a half-written file must not hide the other jobs
        return None


def _load_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _options_of_sweep(sweep: Path) -> LeaderboardOptions:
    multirun = _load_yaml(sweep / "multirun.yaml") or {}
    callbacks = (multirun.get("hydra") or {}).get("callbacks") or {}
    for spec in callbacks.values():
        if isinstance(spec, dict) and str(spec.get("_target_", "")).endswith("LeaderboardCallback"):
            return LeaderboardOptions.from_mapping(spec)
    return LeaderboardOptions()


def read_jobs(sweep: Path, also: Sequence[Path] = ()) -> list[Job]:
    """Every job folder of the sweep, plus jobs the sweep planned but never started.

    ``also``: other sweep folders whose jobs join the table, e.g. a re-run of the jobs an
    interrupted sweep never reached.
    """
    jobs = []
    for root in (sweep, *also):
        found = []
        for overrides_file in sorted(Path(root).rglob(".hydra/overrides.yaml")):
            folder = overrides_file.parent.parent
            if folder != Path(root):
                found.append(_read_job(folder))
        found.sort(key=lambda j: (j.num is None, j.num or 0, str(j.folder)))
        jobs += found
    # the same configuration run twice (a re-run after a crash): the later result that scored
    latest: dict[tuple[str, ...], Job] = {}
    for job in jobs:
        key = tuple(sorted(job.overrides))
        if key not in latest or job.scored or not latest[key].scored:
            latest[key] = job
    jobs = [j for j in jobs if latest[tuple(sorted(j.overrides))] is j]
    started = set(latest)
    for overrides in _planned_jobs(sweep):
        if tuple(sorted(overrides)) not in started:
            jobs.append(
                Job(
                    folder=sweep,
                    num=None,
                    overrides=overrides,
                    status="not run",
                    error="never started: the sweep stopped before this job",
                )
            )
    return jobs


def _planned_jobs(sweep: Path) -> list[list[str]]:
    """The basic sweeper's cartesian product of ``multirun.yaml``'s overrides, if it can be had."""
    multirun = _load_yaml(sweep / "multirun.yaml")
    if not isinstance(multirun, dict):
        return []
    hydra_node = multirun.get("hydra") or {}
    sweeper = hydra_node.get("sweeper") or {}
    if "BasicSweeper" not in str(sweeper.get("_target_", "BasicSweeper")):
        return []
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    task = list((hydra_node.get("overrides") or {}).get("task") or [])
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(params + task)
        choices: dict[str, list[str]] = {}
        for override in parsed:
            key = override.get_key_element()
            if override.is_discrete_sweep():
                choices[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
            elif override.is_sweep_override():
                return []
            else:
                choices[key] = [f"{key}={override.get_value_element_as_str()}"]
    except Exception:  # e.g. a glob sweep, which needs the config repository to expand
        return []
    return [list(combination) for combination in itertools.product(*choices.values())]


def _read_job(folder: Path) -> Job:
    hydra_dir = folder / ".hydra"
    overrides = _load_yaml(hydra_dir / "overrides.yaml")
    hydra_cfg = _load_yaml(hydra_dir / "hydra.yaml") or {}
    config = _load_yaml(hydra_dir / "config.yaml") or {}
    num = ((hydra_cfg.get("hydra") or {}).get("job") or {}).get("num")
    target = str((config.get("selector") or {}).get("_target_", ""))
    job = Job(
        folder=folder,
        num=num if isinstance(num, int) else None,
        overrides=[str(o) for o in overrides] if isinstance(overrides, list) else [],
        oracle="oracle" in target.lower(),
        input_path=(config.get("input") or {}).get("path"),
    )
    budget = (config.get("budget") or {}).get("words")
    job.budget_words = budget if isinstance(budget, int) else None
    output = _output_folder(folder, config)
    manifest = _load_json(output / "manifest.json")
    metrics = _load_json(output / "metrics.json")
    if metrics:
        job.per_cluster = _per_cluster(metrics.get("per_cluster") or [])
        job.mean = dict(metrics.get("mean") or {})
    if manifest is None:
        job.status = "failed"
        job.error = _error_from_log(folder) or (
            "no manifest.json: the job is still running, or died without a trace"
        )
        job.error = job.error.replace(_HYDRA_HINT, "")
        return job
    job.clusters = (manifest.get("counts") or {}).get("clusters")
    job.peak_rss_mb = (manifest.get("timings") or {}).get("peak_rss_mb")
    cache = manifest.get("embedding_cache") or {}
    job.clusters_from_cache = int(cache.get("clusters_from_cache") or 0)
    job.input_path = (manifest.get("input") or {}).get("path", job.input_path)
    status = manifest.get("status", "ok")
    failures = manifest.get("failures") or []
    if status == "interrupted":
        job.status, job.error = "interrupted", manifest.get("interrupted")
    elif manifest.get("error"):
        job.status, job.error = "failed", manifest["error"]
    elif status == "failed" and failures:
        job.status = "partial" if job.scored else "failed"
        job.error = f"{len(failures)} of {job.clusters} cluster(s) failed: {failures[0]['reason']}"
    if not job.scored and job.status in ("ok", "partial"):
        job.status = "failed"
        job.error = job.error or "no cluster was scored (does the input have references?)"
    if job.error:
        job.error = job.error.replace(_HYDRA_HINT, "")
    return job


def _output_folder(folder: Path, config: dict) -> Path:
    """Where the job wrote its results: its own folder unless ``output.dir`` named another."""
    configured = str((config.get("output") or {}).get("dir", ""))
    if configured and "${" not in configured and Path(configured).is_absolute():
        return Path(configured)
    return folder


def _per_cluster(entries: list[dict]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for number, entry in enumerate(entries):
        key = str(entry.get("id", f"#{number}"))
        while key in scores:  # the same id twice in one input: keep both, in order
            key += "'"
        scores[key] = {k: float(v) for k, v in entry.items() if isinstance(v, int | float)}
    return scores


def _error_from_log(folder: Path) -> str | None:
    """The last exception line of the job's log, for jobs that died before writing results."""
    for log_file in sorted(folder.glob("*.log")):
        try:
            lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        errors = [line.strip() for line in lines if _ERROR_LINE.match(line.strip())]
        if errors:
            return f"{errors[-1]} (see {log_file.name})"
    return None


# --- ranking and testing ---------------------------------------------------------------------


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
        test = paired_permutation_test if options.test == "permutation" else paired_bootstrap_test
        for row in scored:
            if row is best:
                continue
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
    unscored = [r for r in rows if options.rank_by not in r.intervals]
    return scored + unscored


# --- output ----------------------------------------------------------------------------------


def _metric_title(metric: str) -> str:
    match = re.fullmatch(r"rouge(1|2|L|Lsum)_([fpr])", metric)
    if not match:
        raise ValueError(f"unknown measure {metric!r}; use e.g. rouge2_f, rouge2_r, rougeLsum_f")
    return f"R-{match.group(1)} {_SCORE_PARTS[match.group(2)]}"


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
        f"Ranked by {_metric_title(options.rank_by)} (ROUGE with stemming, in percent); "
        f"[low, high] is the {options.confidence:.0%} percentile bootstrap interval of the mean "
        f"over clusters ({options.resamples} resamples).",
        f"p: two-sided {test} of each configuration against the best over the clusters both "
        f"scored, on {_metric_title(options.rank_by)}; significant when p < {options.alpha} "
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
        if any(_mostly_cached(r.job) for r in rows)
        else []
    )


def _mostly_cached(job: Job) -> bool:
    return bool(job.clusters) and 2 * job.clusters_from_cache >= job.clusters


def render_markdown(rows: list[Row], options: LeaderboardOptions, sweep: Path) -> str:
    headers = [
        "#",
        "configuration",
        *(_metric_title(m) for m in options.metrics),
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
    for row in rows:
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
        cells = [
            "oracle" if row.job.oracle and row.job.scored else str(row.rank or "—"),
            label,
            *scores,
            _fmt(mean.get("redundancy"), 3),
            _fmt(mean.get("words"), 0),
            _fmt(mean.get("seconds"), 2) + (" *" if _mostly_cached(row.job) and mean else ""),
            _fmt(row.job.peak_rss_mb, 0),
            str(len(row.job.per_cluster)) if row.job.scored else "0",
            p_text,
            significant,
            _md_cell(status, 160),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_csv(rows: list[Row], options: LeaderboardOptions, path: Path) -> None:
    every = sorted({k for r in rows for k in r.job.mean if k.startswith("rouge")})
    header = ["rank", "configuration", "overrides", "best", "oracle", "status", "error"]
    for metric in options.metrics:
        header += [metric, f"{metric}_low", f"{metric}_high"]
    header += [m for m in every if m not in options.metrics]
    header += ["redundancy", "words", "seconds_per_cluster", "peak_rss_mb", "clusters_scored"]
    header += ["p_value", "paired_clusters", "significant", "job_dir"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
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
            values += [mean.get(m, "") for m in every if m not in options.metrics]
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
            writer.writerow(values)


_COLOURS = {
    "best": "#1a9850",
    "same": "#2166ac",
    "worse": "#8c8c8c",
    "oracle": "#e66101",
    "failed": "#d7191c",
}


def _category(row: Row) -> str:
    if not row.intervals:
        return "failed"
    if row.job.oracle:
        return "oracle"
    if row.best:
        return "best"
    return "worse" if row.significant else "same"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plot(rows: list[Row], options: LeaderboardOptions, path: Path) -> None:
    """Scores with their intervals per configuration, the best's interval shaded, time beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    n = len(rows)
    fig, axes = plt.subplots(
        1,
        len(options.metrics) + 1,
        figsize=(3.4 * len(options.metrics) + 7.0, 1.9 + 0.42 * n),
        sharey=True,
        gridspec_kw={"width_ratios": [3] * len(options.metrics) + [1.8]},
        squeeze=False,
    )
    axes = axes[0]
    y = np.arange(n)[::-1]
    best = next((r for r in rows if r.best), None)
    for ax, metric in zip(axes[:-1], options.metrics, strict=True):
        if best is not None and metric in best.intervals:
            band = best.intervals[metric]
            ax.axvspan(band.low, band.high, color=_COLOURS["best"], alpha=0.12, lw=0)
            ax.axvline(band.mean, color=_COLOURS["best"], lw=0.8, ls="--")
        for yi, row in zip(y, rows, strict=True):
            interval = row.intervals.get(metric)
            if interval is None:
                continue
            colour = _COLOURS[_category(row)]
            ax.errorbar(
                interval.mean,
                yi,
                xerr=[[interval.mean - interval.low], [interval.high - interval.mean]],
                fmt="D" if row.job.oracle else "o",
                color=colour,
                mfc="white" if row.job.oracle else colour,
                ms=6,
                capsize=3,
                lw=1.6,
            )
        ranked = metric == options.rank_by
        ax.set_title(
            _metric_title(metric) + (" (ranked)" if ranked else ""),
            fontsize=11,
            fontweight="bold" if ranked else "normal",
        )
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("ROUGE (%), mean and 95% CI" if options.confidence == 0.95 else "ROUGE (%)")
    for yi, row in zip(y, rows, strict=True):
        if not row.intervals:
            axes[0].text(
                0.02,
                yi,
                _short(row.job.error or row.job.status, 70),
                transform=axes[0].get_yaxis_transform(),
                color=_COLOURS["failed"],
                va="center",
                fontsize=8,
            )
    time_ax = axes[-1]
    seconds = [r.job.mean.get("seconds") if r.intervals else None for r in rows]
    for yi, row, value in zip(y, rows, seconds, strict=True):
        if value is not None:
            cached = _mostly_cached(row.job)
            time_ax.barh(
                yi,
                value,
                color=_COLOURS[_category(row)],
                alpha=0.35 if cached else 0.7,
                hatch="//" if cached else None,
                height=0.6,
            )
            label = f" {value:.2f}" + (" *" if cached else "")
            time_ax.text(value, yi, label, va="center", fontsize=8)
    time_ax.set_title("seconds / cluster", fontsize=11)
    if any(_mostly_cached(r.job) for r in rows):
        time_ax.set_xlabel("* embeddings read from the sweep's cache", fontsize=8)
    time_ax.set_xlim(0, 1.3 * max([v for v in seconds if v] or [1.0]))
    time_ax.grid(axis="x", alpha=0.3)
    labels = []
    for row in rows:
        if row.job.oracle and row.intervals:
            labels.append(_short(row.label, 56))
        else:
            labels.append(f"{row.rank or '✗'}. {_short(row.label, 52)}")
    axes[0].set_yticks(y, labels, fontsize=9)
    for tick, row in zip(axes[0].get_yticklabels(), rows, strict=True):
        tick.set_color(_COLOURS[_category(row)] if _category(row) != "same" else "black")
        if row.best:
            tick.set_fontweight("bold")
    axes[0].set_ylim(-0.7, n - 0.3)
    inputs = sorted({Path(str(r.job.input_path)).name for r in rows if r.job.input_path})
    clusters = max((len(r.job.per_cluster) for r in rows), default=0)
    budgets = sorted({r.job.budget_words for r in rows if r.job.budget_words})
    fig.suptitle(
        f"{', '.join(inputs) or 'sweep'}: {clusters} clusters"
        + (f", {'/'.join(map(str, budgets))}-word summaries" if budgets else "")
        + f"; best by {_metric_title(options.rank_by)}, paired "
        + f"{options.test} test vs best at p < {options.alpha}",
        fontsize=11,
    )
    handles = [
        Line2D([], [], color=_COLOURS["best"], marker="o", ls="", label="best (its CI shaded)"),
        Line2D(
            [], [], color=_COLOURS["same"], marker="o", ls="", label="not significantly different"
        ),
        Line2D([], [], color=_COLOURS["worse"], marker="o", ls="", label="significantly worse"),
        Line2D(
            [],
            [],
            color=_COLOURS["oracle"],
            marker="D",
            mfc="white",
            ls="",
            label="oracle: uses the references (upper bound)",
        ),
    ]
    if any(not r.intervals for r in rows):
        handles.append(Line2D([], [], color=_COLOURS["failed"], marker="x", ls="", label="failed"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.45 / (1.9 + 0.42 * n), 1, 1))
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m summarize.leaderboard",
        description="Rebuild leaderboard.md/.csv/.png in a sweep folder of python -m summarize -m.",
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--rank-by", help="e.g. rouge2_f (default: as the sweep ran)")
    parser.add_argument("--metrics", help="comma-separated, e.g. rouge1_r,rouge2_r")
    parser.add_argument("--test", choices=("permutation", "bootstrap"))
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="another sweep folder whose jobs join the table (e.g. a re-run of the jobs an "
        "interrupted sweep never reached); repeatable",
    )
    args = parser.parse_args(argv)
    options = _options_of_sweep(args.sweep_dir)
    changes: dict[str, Any] = {}
    if args.rank_by:
        changes["rank_by"] = args.rank_by
    if args.metrics:
        changes["metrics"] = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
    if args.test:
        changes["test"] = args.test
    options = replace(options, **changes)
    path = build_leaderboard(args.sweep_dir, options, also=args.also)
    print(path.read_text(encoding="utf-8"), end="")
    print(f"written: {path}, {path.with_suffix('.csv')}, {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
