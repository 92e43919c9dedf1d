"""Uncertainty of scores averaged over clusters, and paired tests between two systems.

A mean ROUGE over a few dozen clusters moves by points when the clusters change, so a
leaderboard must say how sure it is. The cluster is the unit of resampling: clusters are
independent, the sentences within one are not. Every function takes a seed and returns the same
answer for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

__all__ = [
    "ConfidenceInterval",
    "bootstrap_ci",
    "paired_bootstrap_test",
    "paired_permutation_test",
]

EXACT_PERMUTATION_LIMIT = 16
"""Up to this many clusters the permutation test enumerates every sign pattern (2**16 rows)."""


@dataclass(frozen=True)
class ConfidenceInterval:
    """A mean over clusters and its bootstrap interval (not ``params.Interval``, a parameter's
    allowed range)."""

    mean: float
    low: float
    high: float


def _as_scores(values: np.ndarray | list[float]) -> np.ndarray:
    scores = np.asarray(values, dtype=np.float64)
    if scores.ndim != 1 or len(scores) == 0:
        raise ValueError("need a non-empty 1-D array of per-cluster scores")
    if not np.isfinite(scores).all():
        raise ValueError("per-cluster scores must be finite")
    return scores


def _paired(a: np.ndarray | list[float], b: np.ndarray | list[float]) -> np.ndarray:
    first, second = _as_scores(a), _as_scores(b)
    if first.shape != second.shape:
        raise ValueError(
            f"paired scores need the same clusters in the same order, got {len(first)} "
            f"and {len(second)}"
        )
    return first - second


def _resample_means(values: np.ndarray, resamples: int, seed: int, chunk: int = 2000) -> np.ndarray:
    """Means of ``resamples`` bootstrap samples, drawn in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    n = len(values)
    means = np.empty(resamples)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        means[start : start + size] = values[rng.integers(0, n, size=(size, n))].mean(axis=1)
    return means


def bootstrap_ci(
    values: np.ndarray | list[float],
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> ConfidenceInterval:
    """Percentile bootstrap interval of the mean over clusters."""
    scores = _as_scores(values)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    means = _resample_means(scores, resamples, seed)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return ConfidenceInterval(mean=float(scores.mean()), low=float(low), high=float(high))


def paired_permutation_test(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    resamples: int = 10_000,
    seed: int = 0,
) -> float:
    """Two-sided p-value that systems ``a`` and ``b`` score the same on average.

    Under the null hypothesis the sign of each cluster's difference is arbitrary, so the
    observed mean difference is compared with the means after random sign flips. With few
    clusters every sign pattern is enumerated, which makes the p-value exact; otherwise
    ``(1 + hits) / (1 + resamples)``, never zero. Identical systems get p = 1.
    """
    differences = _paired(a, b)
    n = len(differences)
    observed = abs(differences.mean())
    tolerance = 1e-12 * max(1.0, float(np.abs(differences).max()))
    if n <= EXACT_PERMUTATION_LIMIT:
        signs = np.array(list(product((1.0, -1.0), repeat=n)))
        flipped = np.abs(signs @ differences) / n
        return float((flipped >= observed - tolerance).mean())
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, resamples, 2000):
        size = min(2000, resamples - start)
        signs = rng.choice((1.0, -1.0), size=(size, n))
        hits += int((np.abs(signs @ differences) / n >= observed - tolerance).sum())
    return (1 + hits) / (1 + resamples)


def paired_bootstrap_test(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    resamples: int = 10_000,
    seed: int = 0,
) -> float:
    """Two-sided p-value from the bootstrap distribution of the mean difference.

    The resampled mean differences are shifted to mean zero (the null hypothesis) and the
    p-value is the share at least as far from zero as the observed difference.
    """
    differences = _paired(a, b)
    observed = abs(differences.mean())
    means = _resample_means(differences, resamples, seed) - differences.mean()
    tolerance = 1e-12 * max(1.0, float(np.abs(differences).max()))
    hits = int((np.abs(means) >= observed - tolerance).sum())
    return (1 + hits) / (1 + resamples)
