"""Stage 4b: put the chosen sentences in an order a reader can follow."""

from __future__ import annotations

from summarize.data import Candidates


class PositionOrderer:
    """Earliest-first across the cluster: by position in the article, then by article.

    News articles open with the main event and move to background, so sentence position is the
    best cheap proxy for discourse order across outlets reporting the same event.
    """

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        def key(index: int) -> tuple[int, int, int]:
            sentence = candidates.sentences[index]
            return sentence.position, sentence.article, index

        return sorted(chosen, key=key)


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

        return sorted(chosen, key=key)


class SalienceOrderer:
    """Keeps the selector's preference order: most salient first, as in an inverted pyramid."""

    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]:
        return list(chosen)
