"""Update briefings: keep what is new to a reader who already read about the story.

An update briefing must leave out what the reader already knows, even when a new article says
it in other words. Two signals mark a candidate as old news, one lexical and one semantic, as
in the update-task systems of DUC 2007 and TAC 2008-2009:

- **Concepts** (the bigram concepts of the ``concepts`` selector): a concept's weight is scaled
  by the share of its usage that is new, ``rate_new / (rate_new + rate_old)``, where a rate is
  the fraction of new (resp. previous) articles that use it. A concept the reader's articles
  used as often as the new ones keeps half its weight; one they never used keeps all of it;
  one shown in a previous briefing is known and weighs nothing.
- **Embeddings**: a candidate whose cosine similarity to some previously read sentence reaches
  ``similarity`` restates it and is dropped as old news, paraphrased or not. The default, 0.7,
  lies midway between the dedup stage's "loosely states" (0.6) and "same statement" (0.8):
  with MiniLM, a fact retold in other words scores about 0.7-0.75 against its first telling,
  under the 0.8 that merges near-copies, while a sentence adding a fact stays well below.

The transform only filters and re-weights ``Candidates``; any selector then chooses as usual.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from summarize.data import Candidates, Cluster, Previous
from summarize.params import Constraint, Flag, Interval, OneOf, check_params
from summarize.stages.features import bigram_concepts

__all__ = ["IgnorePrevious", "UpdateFilter", "concept_discount"]

CONCEPT_WEIGHTINGS = ("ratio", "drop", "none")


class IgnorePrevious:
    """``update=off``: what the reader read before is ignored; every briefing is a full one."""

    background = False
    uses_history = False
    """Whether a nightly run should give clusters their earlier nights as previous state."""

    def applies(self, cluster: Cluster) -> bool:
        return False

    def transform(self, candidates: Candidates, previous: Previous) -> Candidates:
        return candidates


class UpdateFilter:
    """``update=auto``: an update briefing whenever the cluster carries previous state.

    ``similarity``: cosine at or above which a new sentence restates one already read.
    ``concepts``: ``ratio`` scales each concept by its new share of usage, ``drop`` zeroes every
    concept the previous articles used, ``none`` leaves concept weights alone.
    ``background``: open the briefing with one sentence of what the reader already knew.
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "similarity": Interval(0, 1, closed="right"),
        "concepts": OneOf(CONCEPT_WEIGHTINGS),
        "background": Flag(),
    }

    def __init__(
        self,
        similarity: float = 0.7,
        concepts: str = "ratio",
        background: bool = False,
    ) -> None:
        self.similarity = similarity
        self.concepts = concepts
        self.background = background
        check_params(self, "update")

    uses_history = True

    def applies(self, cluster: Cluster) -> bool:
        return cluster.has_previous

    def transform(self, candidates: Candidates, previous: Previous) -> Candidates:
        old = old_news(candidates, previous, self.similarity)
        discount = concept_discount(candidates, previous, self.concepts)
        kept = np.flatnonzero(~old)
        if len(kept) == 0:  # nothing new at all: say the least-old things rather than nothing
            kept = np.arange(len(candidates))
        return candidates.subset(kept).reweigh_concepts(discount)  # times a query's boost


def old_news(candidates: Candidates, previous: Previous, threshold: float) -> np.ndarray:
    """Per candidate: does some sentence the reader already read state it (in any words)?"""
    embeddings = previous.embeddings
    if len(embeddings) == 0:
        return np.zeros(len(candidates), dtype=bool)
    closest = (candidates.embeddings @ embeddings.T).max(axis=1)
    return closest >= threshold


def concept_discount(candidates: Candidates, previous: Previous, weighting: str) -> dict:
    """Factor in [0, 1] per concept of the new articles that the reader has met before."""
    document = candidates.document
    if weighting == "none":
        return {}
    new_usage = _article_usage(document.sentences)
    old_usage: dict = {}
    n_old = 0
    if previous.document is not None:
        old_usage = _article_usage(previous.document.sentences)
        n_old = len({s.article for s in previous.document.sentences})
    shown = set().union(*(bigram_concepts(text) for text in previous.summary))
    n_new = len({s.article for s in document.sentences})
    discount = {}
    for concept, used_new in new_usage.items():
        if concept in shown:
            discount[concept] = 0.0
        elif concept in old_usage:
            if weighting == "drop":
                discount[concept] = 0.0
            else:
                rate_new, rate_old = used_new / n_new, old_usage[concept] / n_old
                discount[concept] = rate_new / (rate_new + rate_old)
    return discount


def _article_usage(sentences) -> dict:
    """How many articles use each concept."""
    per_article: dict[int, set] = {}
    for sentence in sentences:
        concepts = bigram_concepts(sentence.text)
        per_article.setdefault(sentence.article, set()).update(concepts)
    usage: dict = {}
    for concepts in per_article.values():
        for concept in concepts:
            usage[concept] = usage.get(concept, 0) + 1
    return usage
