"""``leaderboard.png``: each measure's mean and interval per configuration, time per cluster beside.

One panel per measure (the best configuration's interval shaded), then a bar panel of seconds
per cluster; rows are coloured by how they compare with the best. matplotlib is imported only
when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from summarize.leaderboard.options import LeaderboardOptions, metric_title
from summarize.leaderboard.rank import Row

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


def _height(n_rows: int) -> float:
    return 1.9 + 0.42 * n_rows


def plot(rows: list[Row], options: LeaderboardOptions, path: Path) -> None:
    """Scores with their intervals per configuration, the best's interval shaded, time beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(rows)
    fig, axes = plt.subplots(
        1,
        len(options.metrics) + 1,
        figsize=(3.4 * len(options.metrics) + 7.0, _height(n)),
        sharey=True,
        gridspec_kw={"width_ratios": [3] * len(options.metrics) + [1.8]},
        squeeze=False,
    )
    axes = axes[0]
    y = np.arange(n)[::-1]
    best = next((r for r in rows if r.best), None)
    for ax, metric in zip(axes[:-1], options.metrics, strict=True):
        _draw_measure(ax, rows, y, metric, best, options)
    _note_failures(axes[0], rows, y)
    _draw_seconds(axes[-1], rows, y)
    _label_rows(axes[0], rows, y)
    fig.suptitle(_title(rows, options), fontsize=11)
    handles = _legend_handles(rows)
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.45 / _height(n), 1, 1))
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _draw_measure(
    ax: Any,
    rows: list[Row],
    y: np.ndarray,
    metric: str,
    best: Row | None,
    options: LeaderboardOptions,
) -> None:
    """One measure's panel: a point and interval per scored row, the best's interval shaded."""
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
        metric_title(metric) + (" (ranked)" if ranked else ""),
        fontsize=11,
        fontweight="bold" if ranked else "normal",
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("ROUGE (%), mean and 95% CI" if options.confidence == 0.95 else "ROUGE (%)")


def _note_failures(ax: Any, rows: list[Row], y: np.ndarray) -> None:
    """The error of each unscored row, written where its points would be."""
    for yi, row in zip(y, rows, strict=True):
        if not row.intervals:
            ax.text(
                0.02,
                yi,
                _short(row.job.error or row.job.status, 70),
                transform=ax.get_yaxis_transform(),
                color=_COLOURS["failed"],
                va="center",
                fontsize=8,
            )


def _draw_seconds(ax: Any, rows: list[Row], y: np.ndarray) -> None:
    """Seconds per cluster as bars; hatched where the embeddings came from the cache."""
    seconds = [r.job.mean.get("seconds") if r.intervals else None for r in rows]
    for yi, row, value in zip(y, rows, seconds, strict=True):
        if value is None:
            continue
        cached = row.job.mostly_cached
        ax.barh(
            yi,
            value,
            color=_COLOURS[_category(row)],
            alpha=0.35 if cached else 0.7,
            hatch="//" if cached else None,
            height=0.6,
        )
        ax.text(value, yi, f" {value:.2f}" + (" *" if cached else ""), va="center", fontsize=8)
    ax.set_title("seconds / cluster", fontsize=11)
    if any(r.job.mostly_cached for r in rows):
        ax.set_xlabel("* embeddings read from the sweep's cache", fontsize=8)
    ax.set_xlim(0, 1.3 * max([v for v in seconds if v] or [1.0]))
    ax.grid(axis="x", alpha=0.3)


def _label_rows(ax: Any, rows: list[Row], y: np.ndarray) -> None:
    """Rank and configuration on the shared y axis, coloured like the row's points."""
    labels = []
    for row in rows:
        if row.job.oracle and row.intervals:
            labels.append(_short(row.label, 56))
        else:
            labels.append(f"{row.rank or '✗'}. {_short(row.label, 52)}")
    ax.set_yticks(y, labels, fontsize=9)
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        tick.set_color(_COLOURS[_category(row)] if _category(row) != "same" else "black")
        if row.best:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, len(rows) - 0.3)


def _title(rows: list[Row], options: LeaderboardOptions) -> str:
    inputs = sorted({Path(str(r.job.input_path)).name for r in rows if r.job.input_path})
    clusters = max((len(r.job.per_cluster) for r in rows), default=0)
    budgets = sorted({r.job.budget_words for r in rows if r.job.budget_words})
    return (
        f"{', '.join(inputs) or 'sweep'}: {clusters} clusters"
        + (f", {'/'.join(map(str, budgets))}-word summaries" if budgets else "")
        + f"; best by {metric_title(options.rank_by)}, paired "
        + f"{options.test} test vs best at p < {options.alpha}"
    )


def _legend_handles(rows: list[Row]) -> list[Any]:
    from matplotlib.lines import Line2D

    def point(category: str, label: str, **style: Any) -> Line2D:
        return Line2D([], [], color=_COLOURS[category], ls="", label=label, **style)

    handles = [
        point("best", "best (its CI shaded)", marker="o"),
        point("same", "not significantly different", marker="o"),
        point("worse", "significantly worse", marker="o"),
        point("oracle", "oracle: uses the references (upper bound)", marker="D", mfc="white"),
    ]
    if any(not r.intervals for r in rows):
        handles.append(point("failed", "failed", marker="x"))
    return handles
