"""Pair and BCubed scores against hand-computed answers."""

from __future__ import annotations

import pytest

from summarize.stages.group.metrics import bcubed_scores, grouping_scores, pair_scores

# Gold: a a a b b; predicted: 1 1 2 2 2. Contingency (a,1)=2, (a,2)=1, (b,2)=2.
GOLD = ["a", "a", "a", "b", "b"]
PREDICTED = [1, 1, 2, 2, 2]


def test_pair_scores_by_hand():
    # Pairs together in both: (0,1) and (3,4) = 2; predicted pairs 1 + 3 = 4; gold pairs 3 + 1.
    scores = pair_scores(GOLD, PREDICTED)
    assert scores.precision == pytest.approx(2 / 4)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.f1 == pytest.approx(0.5)


def test_bcubed_scores_by_hand():
    # Precision per article: 2/2, 2/2, 1/3, 2/3, 2/3 -> 11/3 / 5. Recall: 2/3, 2/3, 1/3, 1, 1.
    scores = bcubed_scores(GOLD, PREDICTED)
    assert scores.precision == pytest.approx(11 / 15)
    assert scores.recall == pytest.approx(11 / 15)
    assert scores.f1 == pytest.approx(11 / 15)


def test_unequal_precision_and_recall():
    # Everything in one story: pair precision 4/10, recall 1; BCubed precision (9/5+4/5)/5.
    gold = GOLD
    one = [0] * 5
    pair = pair_scores(gold, one)
    assert (pair.precision, pair.recall) == (pytest.approx(0.4), 1.0)
    assert pair.f1 == pytest.approx(2 * 0.4 / 1.4)
    bcubed = bcubed_scores(gold, one)
    assert bcubed.precision == pytest.approx((3 * 3 / 5 + 2 * 2 / 5) / 5)
    assert bcubed.recall == 1.0


def test_singletons_assert_nothing():
    scores = pair_scores(GOLD, list(range(5)))
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 0.0, 0.0)
    assert bcubed_scores(GOLD, list(range(5))).precision == 1.0
    assert bcubed_scores(GOLD, list(range(5))).recall == pytest.approx((3 * 1 / 3 + 2 * 1 / 2) / 5)


def test_labels_are_names_only():
    renamed = ["x" if p == 1 else "y" for p in PREDICTED]
    assert grouping_scores(GOLD, renamed) == grouping_scores(GOLD, PREDICTED)
    perfect = grouping_scores(GOLD, ["s", "s", "s", "t", "t"])
    assert perfect["pair_f1"] == perfect["bcubed_f1"] == 1.0
    assert (perfect["articles"], perfect["gold_stories"], perfect["stories"]) == (5, 2, 2)


def test_mismatched_lengths_fail():
    with pytest.raises(ValueError, match="4 gold labels but 5"):
        pair_scores(GOLD[:4], PREDICTED)
