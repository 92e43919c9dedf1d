"""``python -m summarize.leaderboard SWEEP_DIR``: rebuild the files, e.g. after an interruption."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from summarize.leaderboard.build import build_leaderboard
from summarize.leaderboard.sweep import options_of_sweep


def main(argv: list[str] | None = None) -> None:
    """Rebuilds and prints the table, e.g. ``main(["outputs/x", "--rank-by", "rouge2_r"])``."""
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
    options = options_of_sweep(args.sweep_dir)
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
