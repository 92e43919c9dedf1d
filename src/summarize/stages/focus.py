"""Query-focused briefings: favour the sentences that answer what the reader asked.

A reader often wants one side of a story: a desk asks about casualties, a DUC topic asks to
"describe steps taken and worldwide reaction prior to the introduction of the Euro". A cluster
may carry such a ``query`` (JSONL ``query``: a string, or DUC's ``{"title", "narrative"}``; a
cluster folder's ``query.txt``), and a run may set one for every cluster (``focus.query=...``,
which wins over the cluster's own).

The query is embedded with the sentences, in the same call and so in the same space (TF-IDF is
fitted per call). A candidate's relevance is its cosine similarity to the query, rescaled to
[0, 1] over the cluster's candidates, so that it reads "most to least on topic in this cluster"
whatever the embedder's range of cosines. It enters every selector as one more salience prior
beside cross-source support and position, scaled by ``weight``: the selector still covers the
cluster's content, and the query tips its choices towards what was asked. With the default
weight of 3, the most relevant sentence's gain is up to four times the least relevant's: of the
weights 1, 2, 3 and 5 measured on the DUC 2006/2007 dev sets, 3 beat the generic briefing on
every set and was never below 1, and 3 and 5 sat on a plateau (docs/quality.md).

The query also speaks to the ``concepts`` selector in its own, lexical terms: a concept (word
bigram) that contains a word of the query weighs ``1 + concept_boost`` times as much, so among
the facts the outlets share, those that name what was asked count more. The embedding prior
judges whole sentences by meaning; the boost judges the facts inside them by the words the
reader used, as update briefings use both signals for what is old. Of the boosts 0.5, 1 and 2,
1 (the weight doubled) was best or within 0.05 R-2 of the best on each of five DUC dev sets
(docs/quality.md). Clusters without a query are summarized as with ``focus=off``, byte for
byte.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from summarize.data import Candidates, Cluster
from summarize.params import Constraint, Interval, check_params
from summarize.stages.features import bigram_concepts, content_stems, unit_range

__all__ = ["IgnoreQuery", "QueryFocus", "query_concepts", "query_relevance"]


class IgnoreQuery:
    """``focus=off``: queries are ignored; every briefing is a generic one."""

    def query_for(self, cluster: Cluster) -> str | None:
        return None

    def weigh(self, candidates: Candidates, query: str, query_embedding: np.ndarray) -> Candidates:
        return candidates


class QueryFocus:
    """``focus=auto``: a briefing focused on the query whenever there is one.

    ``weight``: scale of the relevance prior. ``concept_boost``: extra weight, as a share of
    their own, of the concepts that contain a word of the query. Both 0 ignore the query.
    ``query``: a query for every cluster, in place of their own (``None``: each cluster's own,
    if any).

    >>> focus = QueryFocus(weight=3.0)
    >>> focus.query_for(Cluster("c", (), "c.jsonl:1", query="Who won the vote?"))
    'Who won the vote?'
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "weight": Interval(0, None),
        "concept_boost": Interval(0, None),
    }

    def __init__(
        self, weight: float = 3.0, concept_boost: float = 1.0, query: str | None = None
    ) -> None:
        self.weight = weight
        self.concept_boost = concept_boost
        self.query = query
        check_params(self, "focus")

    def query_for(self, cluster: Cluster) -> str | None:
        """The query this cluster's briefing answers, or ``None`` for a generic briefing."""
        query = (self.query or cluster.query or "").strip()
        return query if query and (self.weight > 0 or self.concept_boost > 0) else None

    def weigh(self, candidates: Candidates, query: str, query_embedding: np.ndarray) -> Candidates:
        """The candidates with their focus prior, ``weight`` times relevance in [0, 1], and
        the concepts that contain a word of the query boosted."""
        focus = self.weight * query_relevance(candidates.embeddings, query_embedding)
        candidates = dataclasses.replace(candidates, focus=focus)
        if not self.concept_boost:
            return candidates
        boost = dict.fromkeys(query_concepts(candidates, query), 1.0 + self.concept_boost)
        return candidates.reweigh_concepts(boost)


def query_concepts(candidates: Candidates, query: str) -> set[tuple[str, str]]:
    """The concepts of the cluster's sentences that contain a (stemmed) content word of the
    query: "Describe the Euro's introduction" makes ``("euro", "introduct")`` one."""
    asked = content_stems(query)
    found: set[tuple[str, str]] = set()
    for sentence in candidates.document.sentences:
        found.update(c for c in bigram_concepts(sentence.text) if c[0] in asked or c[1] in asked)
    return found


def query_relevance(embeddings: np.ndarray, query_embedding: np.ndarray) -> np.ndarray:
    """Cosine similarity of each (unit-length) row to the query, rescaled to [0, 1].

    All equal (a single candidate, or a query unrelated to every sentence alike) gives all
    ones: the query then tells the sentences apart no more than it would without it.
    """
    return unit_range(embeddings.astype(np.float64) @ query_embedding.astype(np.float64))
