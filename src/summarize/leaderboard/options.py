"""How a leaderboard is ranked and tested, and the names of the measures it can show."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

_SCORE_PARTS = {"f": "F1", "p": "P", "r": "R"}


def metric_title(metric: str) -> str:
    """``rouge2_f`` -> ``R-2 F1``; an unknown name is an error, caught when options are built."""
    match = re.fullmatch(r"rouge(1|2|L|Lsum)_([fpr])", metric)
    if not match:
        raise ValueError(f"unknown measure {metric!r}; use e.g. rouge2_f, rouge2_r, rougeLsum_f")
    return f"R-{match.group(1)} {_SCORE_PARTS[match.group(2)]}"


@dataclass
class LeaderboardOptions:
    """How the table is ranked and tested; the callback's keys in ``conf/hydra/default.yaml``.

    Example::

        from summarize.leaderboard import LeaderboardOptions, build_leaderboard

        options = LeaderboardOptions(rank_by="rouge2_r", metrics=("rouge1_r", "rouge2_r"))
        markdown_path = build_leaderboard("outputs/multirun/2026-11-23/05-17-04", options)
    """

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
        for name in ("confidence", "alpha"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)!r}")
        if self.resamples < 1:
            raise ValueError(f"resamples must be positive, got {self.resamples!r}")
        for name in self.metrics:
            metric_title(name)

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> LeaderboardOptions:
        """From the callback's config node; keys such as ``_target_`` are ignored."""
        given = {k: v for k, v in (values or {}).items() if not k.startswith("_")}
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown leaderboard option(s): {', '.join(sorted(unknown))}")
        return cls(**given)
