"""Stage 4b: put the chosen sentences in an order a reader can follow.

Every orderer ends with ``make_readable`` (``readable=False`` turns it off): the briefing opens
on a lede (``lede_of``), not a quotation or a sentence that needs an earlier one, and a
sentence that uses the short form of a name ("the Observatory") comes after the one that gives
it in full.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from summarize.data import Candidates
from summarize.params import Constraint, Flag, check_params
from summarize.stages.order.context import (
    antecedent,
    can_lead,
    introduced_names,
    short_names,
    unresolved_short_names,
)


def make_readable(candidates: Candidates, order: list[int]) -> list[int]:
    """``order`` with a lede first, every short name after its introduction, and each sentence
    that needs context right after the earlier sentence of its article that gives it."""
    if not order:
        return []
    names = short_names(s.text for s in candidates.document.sentences)
    blocks = _blocks(candidates, order)
    texts = [" ".join(candidates.sentences[i].text for i in block) for block in blocks]
    leads = [
        k
        for k, block in enumerate(blocks)
        if can_lead(candidates.sentences[block[0]].text)
        and not unresolved_short_names(texts[k], names, set())
    ]
    lede = leads[lede_of(candidates, [blocks[k][0] for k in leads])] if leads else 0
    pending = [blocks[lede], *blocks[:lede], *blocks[lede + 1 :]]
    placed: list[list[int]] = []
    introduced: set[str] = set()
    while pending:
        texts = [" ".join(candidates.sentences[i].text for i in block) for block in pending]
        placed.append(pending.pop(_next_placeable(texts, names, introduced)))
        introduced |= introduced_names(texts[len(texts) - len(pending) - 1], names)
    return [index for block in placed for index in block]


LEAD_BONUS = 0.3
"""Added to a generic lede's centrality times ``1 / (1 + position)``: the top of an article."""


def lede_of(candidates: Candidates, heads: list[int]) -> int:
    """Which of the candidates ``heads`` (each able to open a briefing) opens it.

    A generic briefing opens as a news story does, on the event: the head with the highest
    centrality (cosine to the cluster's centroid) plus ``LEAD_BONUS / (1 + position)``, so the
    top of an article wins unless a later sentence states the story far better. A focused
    briefing opens on the most central head: its sentences were chosen for the query already,
    and the reader asked a question rather than for the news. Scored by the references'
    bigrams in the lede (``scripts/lede_study.py``, docs/quality.md "The lede"), the bonus
    beat centrality alone on Multi-News (25.8 against 21.3) and lost to it on the query-focused
    DUC sets, where adding the query relevance did not beat centrality either.
    """
    centrality = candidates.embeddings[heads] @ candidates.centroid
    if candidates.focus is None:
        positions = np.array([candidates.sentences[i].position for i in heads], dtype=float)
        centrality = centrality + LEAD_BONUS / (1.0 + positions)
    return int(np.argmax(centrality))


def _blocks(candidates: Candidates, order: list[int]) -> list[list[int]]:
    """Each sentence that needs context joins the block of its antecedent, in article order."""
    flags = candidates.needs_context
    attached = {
        i: antecedent(candidates, order, i)
        for i in order
        if flags is not None and flags[i] and antecedent(candidates, order, i) is not None
    }
    blocks: dict[int, list[int]] = {i: [i] for i in order if i not in attached}

    def head(i: int) -> int:
        while i in attached:
            i = attached[i]
        return i

    for i in sorted(attached, key=lambda i: candidates.sentences[i].position):
        blocks[head(i)].append(i)
    return [blocks[i] for i in order if i in blocks]


def _next_placeable(texts: list[str], names: set[str], introduced: set[str]) -> int:
    """The first pending text whose missing names no other pending text would give."""
    for k, text in enumerate(texts):
        missing = unresolved_short_names(text, names, introduced)
        if not any(introduced_names(t, missing) for j, t in enumerate(texts) if j != k):
            return k
    return 0


class _ReadableMixin:
    """``readable``: finish with ``make_readable`` (off only to see an orderer's raw key)."""

    constraints: ClassVar[dict[str, Constraint]] = {"readable": Flag()}

    def __init__(self, readable: bool = True) -> None:
        self.readable = readable
        check_params(self, "orderer")

    def _finish(self, candidates: Candidates, order: list[int]) -> list[int]:
        return make_readable(candidates, order) if self.readable else order


class PositionOrderer(_ReadableMixin):
    """Earliest-first across the cluster: by position in the article, then by article.

    News articles open with the main event and move to background, so sentence position is the
    best cheap proxy for discourse order across outlets reporting the same event.
    """

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        def key(index: int) -> tuple[int, int, int]:
            sentence = candidates.sentences[index]
            return sentence.position, sentence.article, index

        return self._finish(candidates, sorted(chosen, key=key))


class ChronologicalOrderer(_ReadableMixin):
    """By article date, then by position in the article; undated articles come last.

    For clusters that follow a developing story over several days (dates must be ISO strings).
    """

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        dates = {a.index: a.date or "" for a in candidates.document.cluster.articles}

        def key(index: int) -> tuple[int, str, int, int]:
            sentence = candidates.sentences[index]
            date = dates.get(sentence.article, "")
            return (0 if date else 1), date, sentence.article, sentence.position

        return self._finish(candidates, sorted(chosen, key=key))


class SalienceOrderer(_ReadableMixin):
    """Keeps the selector's preference order: most salient first, as in an inverted pyramid."""

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        return self._finish(candidates, list(chosen))
