"""The two budget loops every selector uses, on known answers."""

import doctest

import numpy as np

import summarize.stages.select.budget as budget
from summarize.stages.select.budget import best_open, fill_budget, greedy_fill


def test_fill_budget_skips_what_would_overrun_and_goes_on():
    assert fill_budget([2, 1, 0], np.array([3, 6, 4]), 8) == [2, 0]


def test_greedy_fill_asks_for_each_step_and_keeps_the_budget():
    words = np.array([4, 2, 3, 5])
    value = np.array([1.0, 5.0, 5.0, 4.0])
    taken = []

    def take(best: int) -> None:
        taken.append(best)
        value[best] = 0.0

    chosen = greedy_fill(words, 9, lambda open_: best_open(value, open_), take)
    assert chosen == taken == [1, 2, 0]  # first of a tie; index 3 (5 words) never fits after


def test_greedy_fill_stops_when_told_and_continues_an_earlier_pass():
    words = np.array([2, 8, 3, 1])
    value = np.array([1.0, 9.0, 2.0, 3.0])

    def choose(open_: np.ndarray) -> int | None:
        best = best_open(value, open_)
        return best if value[best] > 1.5 else None

    long_only = greedy_fill(words, 10, choose, lambda best: None, eligible=words >= 3)
    assert long_only == [1]
    assert greedy_fill(words, 10, choose, lambda best: None, chosen=long_only) == [1, 3]


def test_the_module_example_runs():
    failures, _ = doctest.testmod(budget)
    assert failures == 0
