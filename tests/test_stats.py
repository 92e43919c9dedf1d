"""Known answers for the leaderboard's intervals and paired tests."""

from __future__ import annotations

import numpy as np
import pytest

from summarize.leaderboard.stats import bootstrap_ci, paired_bootstrap_test, paired_permutation_test

TESTS = [paired_permutation_test, paired_bootstrap_test]


def _scores(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(20.0, 6.0, size=n)


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("n", [5, 40])
def test_identical_systems_are_not_significant(test, n: int) -> None:
    scores = _scores(n)
    assert test(scores, scores.copy()) == 1.0


@pytest.mark.parametrize("test", TESTS)
def test_better_on_every_cluster_is_significant(test) -> None:
    base = _scores(30)
    gaps = np.random.default_rng(2).uniform(0.2, 3.0, size=30)
    p = test(base + gaps, base)
    assert p < 0.01
    assert test(base, base + gaps) == p  # two-sided: the order of the systems does not matter


@pytest.mark.parametrize("test", TESTS)
def test_noise_alone_is_not_significant(test) -> None:
    base = _scores(50)
    noise = np.random.default_rng(3).normal(0.0, 0.5, size=50)
    assert test(base + noise - noise.mean(), base) > 0.5


def test_permutation_test_is_exact_for_few_clusters() -> None:
    # every one of the 2**3 sign patterns of (1, 1, 1): only all + and all - are as extreme
    assert paired_permutation_test([2.0, 3.0, 4.0], [1.0, 2.0, 3.0]) == pytest.approx(2 / 8)
    # ten clusters all better: 2 / 1024, significant
    assert paired_permutation_test(np.arange(10) + 1.0, np.arange(10)) == pytest.approx(2 / 1024)
    # opposite gaps that cancel out
    assert paired_permutation_test([1.0, 0.0], [0.0, 1.0]) == 1.0


def test_five_clusters_can_never_be_significant() -> None:
    """With five clusters the smallest two-sided p is 2 / 32: a table must not claim more."""
    assert paired_permutation_test(np.full(5, 10.0), np.zeros(5)) == pytest.approx(0.0625)


def test_interval_contains_the_mean_and_shrinks_with_more_clusters() -> None:
    small = bootstrap_ci(_scores(20))
    large = bootstrap_ci(_scores(2000))
    for interval in (small, large):
        assert interval.low < interval.mean < interval.high
    assert (large.high - large.low) < (small.high - small.low) / 5
    # close to the normal approximation mean +- 1.96 standard errors
    scores = _scores(2000)
    half_width = 1.96 * scores.std(ddof=1) / np.sqrt(len(scores))
    assert (large.high - large.low) / 2 == pytest.approx(half_width, rel=0.1)


def test_interval_of_a_constant_is_a_point() -> None:
    interval = bootstrap_ci([7.5] * 12)
    assert interval.low == interval.mean == interval.high == 7.5


def test_interval_level() -> None:
    scores = _scores(200)
    narrow, wide = bootstrap_ci(scores, confidence=0.5), bootstrap_ci(scores, confidence=0.99)
    assert wide.low < narrow.low < narrow.high < wide.high


def test_deterministic_with_a_seed() -> None:
    scores, other = _scores(60), _scores(60, seed=9)
    assert bootstrap_ci(scores, seed=4) == bootstrap_ci(scores, seed=4)
    assert bootstrap_ci(scores, seed=4) != bootstrap_ci(scores, seed=5)
    for test in TESTS:
        assert test(scores, other, seed=4) == test(scores, other, seed=4)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="same clusters"):
        paired_permutation_test([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="finite"):
        paired_bootstrap_test([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci([1.0, 2.0], confidence=95)
