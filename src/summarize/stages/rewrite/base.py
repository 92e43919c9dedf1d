"""What a rewriter is: the ``Rewriter`` protocol the pipeline calls, and the trivial one.

The protocol is declared here once, for the pipeline and the scripts to import
(``from summarize.stages.rewrite import Rewriter``). A ``Model`` is what a backend loads: something
that counts prompt tokens and replies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from summarize.data import Briefing, Document

Encoder = Callable[[list[str]], np.ndarray]
"""Sentences in, one row of (unit-length) vectors each: the pipeline's embedder."""


class Rewriter(Protocol):
    """Turns an extractive briefing into another briefing of at most ``budget_words`` words."""

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing: ...


class Model(Protocol):
    """A loaded generator: counts prompt tokens and writes a reply to a system + user prompt."""

    max_prompt_tokens: int | None
    """What the model itself can read (context minus room for the answer), if it has a limit."""

    def count(self, system: str, user: str) -> int: ...

    def generate(self, system: str, user: str) -> str: ...


class RewriteError(RuntimeError):
    """A model that cannot be loaded or run; the message names the model."""


class NoRewriter:
    """``rewriter=none``: the extractive briefing is the briefing (a copy, never the same object).

    Example::

        briefing = NoRewriter().rewrite(briefing, document, embedder.encode, budget_words=250)
    """

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing:
        return dataclasses.replace(
            briefing,
            sentences=list(briefing.sentences),
            warnings=list(briefing.warnings),
            details=dict(briefing.details),
        )


def looks_like_path(model: str) -> bool:
    """Whether a ``model`` setting names a local file or folder rather than a hub id."""
    return model.startswith(("/", "./", "../", "~", "\\")) or Path(model).suffix == ".gguf"
