"""Stage ``group``: a night's loose articles in, stories out.

1. Articles are put in a canonical order (by id), so the stories do not depend on the order of
   the inbox.
2. Each article gets three views (``features``): TF-IDF of its text fitted on the night, its
   names and numbers, and the neural vector of its opening sentences.
3. Candidate pairs: each article's ``neighbours`` nearest articles in a dense space (the
   TF-IDF's latent semantic dimensions beside the neural vector) from an HNSW index
   (``neighbours``): O(n log n), never the n x n matrix.
4. Each candidate pair is scored exactly: by default the learned pair score (``pairs``: the
   probability of one story from the pair's word cosine against each article's best, and its
   names), or (``score="cosine"``) the weighted sum of the three views' cosines; articles
   dated more than ``max_days`` apart are not linked.
5. Average link on that sparse graph (``clustering``) cuts at ``threshold``; then the
   story-level check (``split``): a story whose articles fall into two groups naming different
   people, places and figures (or, in text that names no one, saying different things) is two
   events of one kind, and is split.
6. Each story is named after its central article (the one closest to the story's mean), and
   its id is a slug of that title plus a hash of its article ids (``stories``).

The variants tried and why this one won: docs/stories.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.preprocessing import normalize

from summarize.params import Constraint, Interval, OneOf, ParameterError, check_params
from summarize.stages.group.clustering import average_link, linked_components, symmetric_edges
from summarize.stages.group.features import (
    Embedder,
    NightFeatures,
    Splitter,
    article_vectors,
)
from summarize.stages.group.neighbours import nearest_neighbours
from summarize.stages.group.pairs import PairModel, pair_signals, shipped_model
from summarize.stages.group.split import Views, split_labels
from summarize.stages.group.stories import LooseArticle, Profile, Story, headline, story_id

LINKAGES = ("average", "components", "mutual")
SCORES = ("learned", "cosine")


@dataclass(frozen=True)
class NeighbourGraph:
    """Undirected candidate pairs ``low[p] < high[p]`` with their score ``weights[p]`` (a
    probability of one story, or a similarity), and whether each pair is mutual (each among the
    other's nearest neighbours)."""

    n: int
    low: np.ndarray
    high: np.ndarray
    weights: np.ndarray
    mutual: np.ndarray


TOP_TERMS = 20


class StoryGrouper:
    """Groups a night's cleaned articles into stories (see the module docstring).

    ``threshold`` is the score two stories need on average over their article pairs to merge:
    a probability of one story with ``score="learned"`` (the shipped pair model, refused when
    missing or damaged), a weighted mean of cosines with ``score="cosine"``, where
    ``text_weight`` and ``names_weight`` are the shares of the TF-IDF and names views and the
    neural vector has the rest; ``opening_sentences`` are averaged into the neural vector.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "threshold": Interval(0, 1, closed="neither"),
        "score": OneOf(SCORES),
        "linkage": OneOf(LINKAGES),
        "neighbours": Interval(1, integer=True),
        "text_weight": Interval(0, 1),
        "names_weight": Interval(0, 1),
        "opening_sentences": Interval(1, integer=True),
        "search_dims": Interval(2, integer=True),
        "max_days": Interval(0, allow_none=True),
        "other_years": Interval(0, 1),
        "split_below": Interval(0, 1, allow_none=True),
        "split_min_part": Interval(1, integer=True),
        "seed": Interval(0, integer=True),
    }

    def __init__(
        self,
        threshold: float = 0.35,
        score: str = "learned",
        linkage: str = "average",
        neighbours: int = 40,
        text_weight: float = 1.0,
        names_weight: float = 0.0,
        opening_sentences: int = 5,
        search_dims: int = 128,
        max_days: float | None = None,
        other_years: float = 1.0,
        split_below: float | None = 0.25,
        split_min_part: int = 2,
        seed: int = 0,
    ) -> None:
        self.threshold = threshold
        self.score = score
        self.linkage = linkage
        self.neighbours = neighbours
        self.text_weight = text_weight
        self.names_weight = names_weight
        self.opening_sentences = opening_sentences
        self.search_dims = search_dims
        self.max_days = max_days
        self.other_years = other_years
        self.split_below = split_below
        self.split_min_part = split_min_part
        self.seed = seed
        check_params(self, "group")
        if text_weight + names_weight > 1:
            raise ParameterError(
                "group.text_weight + group.names_weight must be at most 1 (the neural vector "
                f"has the rest), got {text_weight} + {names_weight}"
            )
        self._pair_model: PairModel | None = shipped_model() if score == "learned" else None

    @property
    def weights(self) -> tuple[float, float, float]:
        """Shares of the text, names and neural views in a pair's similarity."""
        return self.text_weight, self.names_weight, 1.0 - self.text_weight - self.names_weight

    def group(
        self, articles: Sequence[LooseArticle], embedder: Embedder, splitter: Splitter
    ) -> list[Story]:
        """The night's stories; embeds the articles' opening sentences with ``embedder``."""
        if not articles:
            return []
        order = canonical_order(articles)
        ordered = [articles[i] for i in order]
        vectors = article_vectors(ordered, embedder, splitter, self.opening_sentences)
        return self._group(articles, order, vectors)

    def group_vectors(self, articles: Sequence[LooseArticle], vectors: np.ndarray) -> list[Story]:
        """As ``group``, with each article's neural vector given (row ``i`` for article ``i``)."""
        if len(vectors) != len(articles):
            raise ValueError(f"{len(articles)} articles but {len(vectors)} vectors")
        if not articles:
            return []
        order = canonical_order(articles)
        return self._group(articles, order, normalize(np.asarray(vectors)[order]))

    def labels(self, features: NightFeatures, dates: Sequence[str | None]) -> np.ndarray:
        """Story label per article of ``features`` (0, 1, ... by first article)."""
        return self.cut(self.graph(features, dates), features)

    def graph(self, features: NightFeatures, dates: Sequence[str | None]) -> NeighbourGraph:
        """The candidate pairs (nearest neighbours) and their score (``score``)."""
        n = len(features)
        space = features.search_space(self.weights, self.search_dims, self.seed)
        rows, cols = nearest_neighbours(space, self.neighbours, self.seed)
        low, high, _, mutual = symmetric_edges(n, rows, cols, np.zeros(len(rows)))
        if self._pair_model is not None:
            weights = self._pair_model.probability(pair_signals(features, low, high, mutual))
        else:
            weights = features.similarity(low, high, self.weights)
        weights[~_close_in_time(dates, low, high, self.max_days)] = 0.0
        if self.other_years < 1:
            weights[features.no_year_in_common(low, high)] *= self.other_years
        return NeighbourGraph(n, low, high, weights, mutual)

    def cut(self, graph: NeighbourGraph, features: NightFeatures) -> np.ndarray:
        """Story label per article from the graph, by ``linkage`` at ``threshold``, then the
        story-level check (``split``) when ``split_below`` is set."""
        if self.linkage == "average":
            labels = average_link(graph.n, graph.low, graph.high, graph.weights, self.threshold)
        else:
            weights = graph.weights
            if self.linkage == "mutual":
                weights = np.where(graph.mutual, weights, 0.0)
            labels = linked_components(graph.n, graph.low, graph.high, weights, self.threshold)
        if self.split_below is None:
            return labels
        views = Views(features.names, features.text, features.named)
        return split_labels(views, labels, self.split_below, self.split_min_part)

    def _group(
        self, articles: Sequence[LooseArticle], order: np.ndarray, vectors: np.ndarray
    ) -> list[Story]:
        if not articles:
            return []
        ordered = [articles[i] for i in order]
        features = NightFeatures.build(ordered, vectors)
        labels = self.labels(features, [a.date for a in ordered])
        members: dict[int, list[int]] = {}
        for canonical in sorted(range(len(order)), key=lambda c: order[c]):
            members.setdefault(int(labels[canonical]), []).append(canonical)
        return [_story(ordered, features, rows) for rows in members.values()]


def canonical_order(articles: Sequence[LooseArticle]) -> np.ndarray:
    """Positions of ``articles`` sorted by id; ids must be unique."""
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = next(i for i in ids if i in seen or seen.add(i))
        raise ValueError(f"article id {repeated!r} is used by more than one article")
    return np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)


def _close_in_time(
    dates: Sequence[str | None], low: np.ndarray, high: np.ndarray, max_days: float | None
) -> np.ndarray:
    """Per pair: whether the two articles are at most ``max_days`` apart (or either undated)."""
    if max_days is None:
        return np.ones(len(low), dtype=bool)
    days = np.array([_day(d) for d in dates], dtype=np.float64)
    gap = np.abs(days[low] - days[high])
    return np.isnan(gap) | (gap <= max_days)


def _day(date: str | None) -> float:
    try:
        return float(dt.date.fromisoformat((date or "")[:10]).toordinal())
    except ValueError:
        return float("nan")


def story_profile(features: NightFeatures, rows: list[int]) -> Profile:
    """The story's unit mean neural vector and its strongest terms (read from the story's
    own non-zero TF-IDF entries, so the cost follows the story's size, not the vocabulary)."""
    centroid = normalize(features.neural[rows].mean(axis=0, keepdims=True))[0]
    block = features.text[rows].tocoo()
    columns, inverse = np.unique(block.col, return_inverse=True)
    weights = np.bincount(inverse, weights=block.data, minlength=len(columns)) / len(rows)
    top = np.lexsort((columns, -weights))[:TOP_TERMS]
    top = top[weights[top] > 0]
    norm = float(np.linalg.norm(weights[top])) or 1.0
    terms = {str(features.vocabulary[columns[t]]): round(float(weights[t]) / norm, 6) for t in top}
    return Profile(centroid=centroid.astype(np.float32), terms=terms)


def _story(ordered: list[LooseArticle], features: NightFeatures, rows: list[int]) -> Story:
    """``rows`` are canonical positions in input order. The profile and the central article
    (whose title the story takes) are computed in canonical order, ties going to the first,
    so neither depends on the order of the inbox."""
    canonical = sorted(rows)
    profile = story_profile(features, canonical)
    # Rounded, so that a tie (always, between the two articles of a pair) goes to the first
    # article by id rather than to the last bits of the vectors.
    closeness = np.round(features.neural[canonical] @ profile.centroid, 4)
    central = canonical[int(np.argmax(closeness))]
    title = headline(ordered[central])
    ids = tuple(ordered[r].id for r in rows)
    return Story(id=story_id(title, ids), title=title, articles=ids, profile=profile)
