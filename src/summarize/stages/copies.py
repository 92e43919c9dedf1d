"""Republished stories: articles that are copies of another article of the cluster.

Wire stories are republished by many outlets with small edits (a byline, a dropped paragraph,
a changed word). Counted as independent articles, a copy doubles the weight of everything its
story says and crowds out facts that independent outlets agree on. This module groups such
articles into one *source* so that every salience signal counts the story once.

Rule: article B copies article A when at least ``min_share`` of the sentences of the shorter of
the two have a near-duplicate in the other (cosine at or above the dedup threshold, the same
test that collapses sentences into one candidate). Independent reports of one event share
facts, not most of their sentences; a republication shares most of them. Copies are grouped
transitively, and the group's original is the earliest article when every article has a date,
else the longest (most words), then the first in the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from summarize.data import Document
from summarize.params import Constraint, Interval, check_params


@dataclass(frozen=True)
class Republication:
    article: int
    copy_of: int
    share: float
    """Share of the shorter article's sentences that have a near-duplicate in the other."""


class CopyDetector:
    """Finds articles that republish another article of the cluster (see the module rule)."""

    constraints: ClassVar[dict[str, Constraint]] = {"min_share": Interval(0, 1, closed="right")}

    def __init__(self, min_share: float = 0.5) -> None:
        self.min_share = min_share
        check_params(self, "copies")

    def detect(
        self, document: Document, threshold: float
    ) -> tuple[tuple[int, ...], list[Republication]]:
        """``source_of`` (article index -> index of its group's original) and the copies found.

        ``threshold`` is the cosine at which two sentences are near-duplicates. ``source_of`` is
        indexed by ``Article.index`` (articles skipped after cleaning are their own source).
        """
        n_articles = max(a.index for a in document.cluster.articles) + 1
        articles = np.array([s.article for s in document.sentences])
        share = _shared_sentences(document.embeddings, articles, n_articles, threshold)
        linked = share >= self.min_share
        np.fill_diagonal(linked, False)
        _, labels = connected_components(csr_matrix(linked), directed=False)
        words = np.zeros(n_articles, dtype=np.int64)
        for sentence in document.sentences:
            words[sentence.article] += sentence.words
        dates: list[str | None] = [None] * n_articles
        for article in document.cluster.articles:
            dates[article.index] = article.date
        source_of = list(range(n_articles))
        found: list[Republication] = []
        for label in np.unique(labels):
            group = [int(a) for a in np.flatnonzero(labels == label)]
            if len(group) == 1:
                continue
            original = min(group, key=lambda a: _original_key(a, dates, group, words))
            for article in group:
                source_of[article] = original
                if article != original:
                    found.append(Republication(article, original, float(share[article, original])))
        return tuple(source_of), found


def _original_key(article: int, dates: list[str | None], group: list[int], words: np.ndarray):
    dated = all(dates[a] for a in group)
    return (dates[article] if dated else "", -int(words[article]), article)


def _shared_sentences(
    embeddings: np.ndarray, articles: np.ndarray, n_articles: int, threshold: float
) -> np.ndarray:
    """``share[a, b]``: share of the shorter article's sentences with a near-duplicate across."""
    near = (embeddings @ embeddings.T) >= threshold
    # has[i, b]: sentence i has a near-duplicate in article b
    has = np.zeros((len(articles), n_articles), dtype=bool)
    for b in range(n_articles):
        in_b = articles == b
        if in_b.any():
            has[:, b] = near[:, in_b].any(axis=1)
    counts = np.bincount(articles, minlength=n_articles)
    share = np.zeros((n_articles, n_articles))
    for a in range(n_articles):
        if counts[a] == 0:
            continue
        matched = has[articles == a].sum(axis=0)  # a's sentences matched in each b
        share[a] = matched / counts[a]
    # a pair is judged on its shorter article (fewer sentences): all of it may be copied
    shorter_is_row = counts[:, None] <= counts[None, :]
    return np.where(shorter_is_row, share, share.T)


def source_weights(source_of: tuple[int, ...]) -> np.ndarray:
    """Per article, 1 / (articles in its source): a republished story weighs as one article."""
    sources = np.asarray(source_of)
    sizes = np.bincount(sources, minlength=len(sources))
    return 1.0 / sizes[sources]


def describe(republication: Republication, document: Document) -> str:
    """The note a reader sees, e.g. "article 1 republishes article 0 (Reuters)"."""
    articles = {a.index: a for a in document.cluster.articles}
    original = articles.get(republication.copy_of)
    name = (original.title or original.source) if original else str(republication.copy_of)
    return (
        f"article {republication.article} republishes article {republication.copy_of} ({name}); "
        "counted as one source"
    )
