"""Read a sweep, rank its jobs and write the three files: the one call behind callback and CLI."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from summarize.leaderboard.figure import plot
from summarize.leaderboard.options import LeaderboardOptions
from summarize.leaderboard.rank import rank_jobs
from summarize.leaderboard.sweep import options_of_sweep, read_jobs
from summarize.leaderboard.table import render_markdown, write_csv


def build_leaderboard(
    sweep_dir: str | Path,
    options: LeaderboardOptions | None = None,
    also: Sequence[str | Path] = (),
) -> Path:
    """Writes leaderboard.md/.csv/.png into ``sweep_dir``; returns the Markdown file's path.

    Without ``options``, those the sweep ran with (its ``multirun.yaml``) or the defaults.
    ``also`` adds the jobs of other sweep folders (see ``read_jobs``).

    Example::

        from summarize.leaderboard import build_leaderboard

        path = build_leaderboard("outputs/multirun/2026-11-23/05-17-04")
        print(path.read_text())
    """
    sweep = Path(sweep_dir)
    if not sweep.is_dir():
        raise FileNotFoundError(f"no sweep folder at {sweep}")
    options = options or options_of_sweep(sweep)
    jobs = read_jobs(sweep, [Path(a) for a in also])
    if not jobs:
        raise FileNotFoundError(f"{sweep}: no job folders (no */.hydra/overrides.yaml)")
    rows = rank_jobs(jobs, options)
    markdown = sweep / "leaderboard.md"
    markdown.write_text(render_markdown(rows, options, sweep), encoding="utf-8")
    write_csv(rows, options, sweep / "leaderboard.csv")
    plot(rows, options, sweep / "leaderboard.png")
    return markdown
