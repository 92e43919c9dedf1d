"""Parameter validation in one place, the way scikit-learn declares ``_parameter_constraints``.

Every stage stores its constructor arguments under the same names and declares what each may
hold in a class-level ``constraints`` table; ``check_params`` reads the table at construction, so
a bad value fails before any cluster is read, with the config key and what to pass. A stage never
hand-writes these checks, and callers tell a bad value from a bug by the exception type
(``ParameterError``), not by ``ValueError``.

    >>> class Threshold:
    ...     constraints = {"threshold": Interval(0, 1, closed="right")}
    ...
    ...     def __init__(self, threshold: float = 0.6) -> None:
    ...         self.threshold = threshold
    ...         check_params(self, "dedup")
    >>> Threshold(1.5)
    Traceback (most recent call last):
    ...
    summarize.params.ParameterError: dedup.threshold must be in (0, 1], got 1.5
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Protocol


class ParameterError(ValueError):
    """A configured value outside what the stage accepts; the message names the key."""


class Constraint(Protocol):
    def allows(self, value: Any) -> bool: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Interval:
    """A real (or, with ``integer=True``, whole) number between ``low`` and ``high``.

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``; ``None`` bounds are open
    ends; ``allow_none`` also accepts ``None`` (usually meaning "no limit").
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer: bool = False
    allow_none: bool = False

    def __post_init__(self) -> None:
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval.closed: both, left, right or neither, not {self.closed!r}")

    def allows(self, value: Any) -> bool:
        if value is None:
            return self.allow_none
        kind = Integral if self.integer else Real
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
            return False
        open_low = self.closed in ("right", "neither")
        open_high = self.closed in ("left", "neither")
        below = self.low is not None and (value < self.low or (open_low and value == self.low))
        above = self.high is not None and (value > self.high or (open_high and value == self.high))
        return not (below or above)

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        if self.low is None and self.high is None:
            text = kind
        elif self.high is None:
            text = f"{kind} {'>=' if self.closed in ('both', 'left') else '>'} {_num(self.low)}"
        elif self.low is None:
            text = f"{kind} {'<=' if self.closed in ('both', 'right') else '<'} {_num(self.high)}"
        else:
            left = "[" if self.closed in ("both", "left") else "("
            right = "]" if self.closed in ("both", "right") else ")"
            text = f"in {left}{_num(self.low)}, {_num(self.high)}{right}"
        return f"{text} or null" if self.allow_none else text


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values (strings usually)."""

    choices: tuple[Any, ...]

    def allows(self, value: Any) -> bool:
        return value in self.choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(choice) for choice in self.choices)


@dataclass(frozen=True)
class Flag:
    """``True`` or ``False`` (a YAML ``yes`` or ``1`` is not silently read as one)."""

    def allows(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "true or false"


BUDGET_WORDS = Interval(1, integer=True)
"""``budget.words``: a briefing has room for at least one word. Not a stage's parameter: the
pipeline checks it when built, and the command line before any work."""


FEED_NIGHTS = Interval(0, integer=True)
"""``output.feed.nights``: how many last nights the feed holds (0: no feed)."""
FEED_ENTRIES = Interval(1, integer=True)
"""``output.feed.entries``: the feed's cap on entries."""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_params(
    stage: Any, group: str, constraints: Mapping[str, Constraint] | None = None
) -> None:
    """Raises ``ParameterError`` for the first stored parameter its constraint refuses.

    ``group`` is the config group the user sets the value under (``selector``, ``dedup``...), so
    the message reads as the override to fix: ``selector.min_words must be a whole number >= 0``.
    """
    table = type(stage).constraints if constraints is None else constraints
    for name, rule in table.items():
        check_value(f"{group}.{name}", getattr(stage, name), rule)


def check_value(key: str, value: Any, rule: Constraint) -> None:
    """Raises ``ParameterError`` naming ``key`` when ``rule`` refuses ``value``.

    For a setting that is not a stage's stored parameter (``budget.words``).
    """
    if not rule.allows(value):
        raise ParameterError(f"{key} must be {rule.describe()}, got {value!r}")
