"""Stage 4b: put the chosen sentences in an order a reader can follow.

Every orderer ends with ``readable``: the briefing opens on a sentence that states the event,
not a quotation, and a sentence that uses the short form of a name ("the Observatory") comes
after the one that gives it in full.
"""

from __future__ import annotations

from summarize.context import can_lead, introduced_names, short_names, unresolved_short_names
from summarize.data import Candidates


def readable(candidates: Candidates, order: list[int]) -> list[int]:
    """``order`` with a lede first and every short name after its introduction."""
    if not order:
        return []
    document = candidates.document
    texts = [s.text for s in document.sentences] if document else []
    names = short_names(texts) if texts else set()
    text = [candidates.sentences[i].text for i in order]
    lede = next(
        (
            k
            for k, t in enumerate(text)
            if can_lead(t) and not unresolved_short_names(t, names, set())
        ),
        0,
    )
    pending = [order[lede], *order[:lede], *order[lede + 1 :]]
    placed: list[int] = []
    introduced: set[str] = set()
    while pending:
        placed.append(pending.pop(_next_placeable(candidates, pending, names, introduced)))
        introduced |= introduced_names(candidates.sentences[placed[-1]].text, names)
    return placed


def _next_placeable(
    candidates: Candidates, pending: list[int], names: set[str], introduced: set[str]
) -> int:
    """The first pending sentence whose missing names no other pending sentence would give."""
    texts = [candidates.sentences[i].text for i in pending]
    for k, text in enumerate(texts):
        missing = unresolved_short_names(text, names, introduced)
        if not any(introduced_names(t, missing) for j, t in enumerate(texts) if j != k):
            return k
    return 0


class PositionOrderer:
    """Earliest-first across the cluster: by position in the article, then by article.

    News articles open with the main event and move to background, so sentence position is the
    best cheap proxy for discourse order across outlets reporting the same event.
    """

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        def key(index: int) -> tuple[int, int, int]:
            sentence = candidates.sentences[index]
            return sentence.position, sentence.article, index

        return readable(candidates, sorted(chosen, key=key))


class ChronologicalOrderer:
    """By article date, then by position in the article; undated articles come last.

    For clusters that follow a developing story over several days (dates must be ISO strings).
    """

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        document = candidates.document
        dates = {a.index: a.date or "" for a in document.cluster.articles} if document else {}

        def key(index: int) -> tuple[int, str, int, int]:
            sentence = candidates.sentences[index]
            date = dates.get(sentence.article, "")
            return (0 if date else 1), date, sentence.article, sentence.position

        return readable(candidates, sorted(chosen, key=key))


class SalienceOrderer:
    """Keeps the selector's preference order: most salient first, as in an inverted pyramid."""

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        return readable(candidates, list(chosen))
