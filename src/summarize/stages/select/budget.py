"""The two ways a selector fills the word budget; no selector writes its own loop.

``fill_budget`` takes candidates in an order fixed in advance (a ranking). ``greedy_fill``
decides each step from what is already chosen (MMR, submodular, concept coverage, the ROUGE
oracle): the selector says which open candidate it wants next and records it, the loop keeps
the budget.

    >>> import numpy as np
    >>> words = np.array([5, 3, 4])
    >>> fill_budget([0, 1, 2], words, 8)
    [0, 1]
    >>> value = np.array([1.0, 3.0, 2.0])
    >>> greedy_fill(words, 8, lambda open_: best_open(value, open_), lambda best: None)
    [1, 2]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

__all__ = ["best_open", "fill_budget", "greedy_fill"]


def fill_budget(order: Iterable[int], words: np.ndarray, budget_words: int) -> list[int]:
    """Takes candidates in the given order, skipping any that would overrun the budget."""
    chosen: list[int] = []
    remaining = budget_words
    for index in order:
        if words[index] <= remaining:
            chosen.append(int(index))
            remaining -= int(words[index])
    return chosen


def greedy_fill(
    words: np.ndarray,
    budget_words: int,
    choose: Callable[[np.ndarray], int | None],
    take: Callable[[int], None],
    eligible: np.ndarray | None = None,
    chosen: Sequence[int] = (),
) -> list[int]:
    """Adds one candidate at a time while some candidate is still open.

    A candidate is open when it is not chosen, is ``eligible`` and fits what is left of the
    budget. ``choose(open_)`` names the open candidate to add next (``None`` ends the
    selection early: nothing left is worth its words); ``take(best)`` updates the selector's
    state once it is added. ``chosen`` continues an earlier pass, whose words count against the
    budget. Returns every chosen candidate, in the order chosen.
    """
    chosen = [int(i) for i in chosen]
    remaining = budget_words - int(words[chosen].sum())
    open_ = words <= remaining
    if eligible is not None:
        open_ &= eligible
    open_[chosen] = False
    while open_.any():
        best = choose(open_)
        if best is None:
            break
        take(best)
        chosen.append(best)
        remaining -= int(words[best])
        open_ &= words <= remaining
        open_[best] = False
    return chosen


def best_open(scores: np.ndarray, open_: np.ndarray) -> int:
    """The open candidate with the highest score, the first one on ties."""
    return int(np.argmax(np.where(open_, scores, -np.inf)))
