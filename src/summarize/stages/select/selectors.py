"""Stage 4a: choose the candidates that go into the briefing, within a word budget.

Every selector has one job, ``select(candidates, budget_words) -> indices``, and returns
candidate indices in the order it prefers them (ordering for the reader is the next stage).
Candidates are already free of near-duplicates, so any subset respects the dedup threshold.

Each selector may add a salience prior to its own score: ``support_weight`` rewards facts that
several articles repeat, ``position_weight`` rewards sentences early in their article (the
inverted pyramid of news writing). Both default to zero, so each strategy on its own is the
published method. A query-focused briefing adds the candidates' relevance to the query
(``Candidates.focus``) to the same prior.

The word budget is filled by ``summarize.stages.select.budget``: ``fill_budget`` for the rankers,
``greedy_fill`` for the greedy methods, which only say which candidate comes next. Each
selector checks its parameters when built (``constraints``, read by ``params.check_params``).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from summarize.data import Candidates, sentence_key
from summarize.params import Constraint, Interval, check_params
from summarize.stages.features import bigram_concepts, unit_range
from summarize.stages.select.budget import best_open, fill_budget, greedy_fill

__all__ = [
    "CentroidSelector",
    "ConceptCoverageSelector",
    "LeadSelector",
    "LexRankSelector",
    "MMRSelector",
    "SubmodularSelector",
    "TextRankSelector",
    "concept_weights",
    "fill_budget",
    "salience_prior",
]


def salience_prior(
    candidates: Candidates, support_weight: float, position_weight: float
) -> np.ndarray:
    """Cross-source support in [0, 1] and a lead bonus in (0, 1], each scaled by its weight,
    plus the query focus the candidates carry (``summarize.stages.focus``), if any."""
    prior = np.zeros(len(candidates), dtype=np.float64)
    if candidates.focus is not None:
        prior += candidates.focus
    if support_weight and candidates.n_articles > 1:
        shared = (candidates.support - 1) / (candidates.n_articles - 1)
        prior += support_weight * shared
    if position_weight:
        positions = np.array([s.position for s in candidates.sentences], dtype=np.float64)
        prior += position_weight / (1.0 + positions)
    return prior


def _ranked(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score, ties broken by index so results are deterministic."""
    return np.lexsort((np.arange(len(scores)), -scores))


class _PriorMixin:
    """``support_weight`` and ``position_weight``: the salience prior added to a score."""

    constraints: ClassVar[dict[str, Constraint]] = {
        "support_weight": Interval(0),
        "position_weight": Interval(0),
    }
    support_weight: float
    position_weight: float

    def _with_prior(self, candidates: Candidates, scores: np.ndarray) -> np.ndarray:
        return unit_range(scores) + salience_prior(
            candidates, self.support_weight, self.position_weight
        )


class LeadSelector:
    """Round robin over articles: every article's first sentence, then every second one...

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = LeadSelector().select(candidates, budget_words=100)
        text = " ".join(candidates.sentences[i].text for i in chosen)
    """

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        rank_in_article: dict[int, int] = {}
        keys = []
        for index in sorted(range(len(candidates)), key=lambda i: candidates.sentences[i].position):
            article = candidates.sentences[index].article
            rank = rank_in_article.get(article, 0)
            rank_in_article[article] = rank + 1
            keys.append((rank, article, index))
        order = [index for _, _, index in sorted(keys)]
        return fill_budget(order, candidates.words, budget_words)


class CentroidSelector(_PriorMixin):
    """Sentences closest to the cluster centroid (Radev et al., 2004), in embedding space.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = CentroidSelector(position_weight=0.1).select(candidates, budget_words=100)
    """

    def __init__(self, support_weight: float = 0.0, position_weight: float = 0.0) -> None:
        self.support_weight = support_weight
        self.position_weight = position_weight
        check_params(self, "selector")

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        scores = self._with_prior(candidates, candidates.embeddings @ candidates.centroid)
        return fill_budget(_ranked(scores), candidates.words, budget_words)


class MMRSelector(_PriorMixin):
    """Maximal marginal relevance (Carbonell & Goldstein, 1998) with centroid relevance.

    Each step takes the candidate maximising
    ``lambda * relevance - (1 - lambda) * max similarity to what is already chosen``.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = MMRSelector(lambda_=0.5).select(candidates, budget_words=100)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **_PriorMixin.constraints,
        "lambda_": Interval(0, 1),
    }

    def __init__(
        self, lambda_: float = 0.7, support_weight: float = 0.0, position_weight: float = 0.0
    ) -> None:
        self.lambda_ = lambda_
        self.support_weight = support_weight
        self.position_weight = position_weight
        check_params(self, "selector")

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        relevance = self._with_prior(candidates, candidates.embeddings @ candidates.centroid)
        similarity = candidates.similarity()
        redundancy = np.zeros(len(candidates))

        def choose(open_: np.ndarray) -> int:
            return best_open(self.lambda_ * relevance - (1 - self.lambda_) * redundancy, open_)

        def take(best: int) -> None:
            nonlocal redundancy
            redundancy = np.maximum(redundancy, similarity[best])

        return greedy_fill(candidates.words, budget_words, choose, take)


def _pagerank(weights: np.ndarray, damping: float, tolerance: float = 1e-8) -> np.ndarray:
    """Stationary distribution of a random walk on a weighted graph, with uniform teleport."""
    n = len(weights)
    out = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, out, out=np.full_like(weights, 1.0 / n), where=out > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(200):
        updated = (1 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < tolerance:
            return updated
        scores = updated
    return scores


def _score_groups(candidates: Candidates, sentence_scores: np.ndarray) -> np.ndarray:
    """A candidate inherits the best score of the near-duplicates it stands for."""
    rows = candidates.document.rows()
    return np.array(
        [max(sentence_scores[rows[sentence_key(s)]] for s in group) for group in candidates.members]
    )


_DAMPING = Interval(0, 1, closed="neither")


class LexRankSelector(_PriorMixin):
    """LexRank (Erkan & Radev, 2004): eigenvector centrality in the sentence similarity graph.

    The graph spans every sentence of the cluster, duplicates included, so a fact stated by many
    outlets gathers centrality. ``threshold=None`` is continuous LexRank (cosine-weighted edges);
    a number keeps only edges at or above it. Similarity comes from the configured embedder,
    TF-IDF cosine with ``embedder=tfidf`` as in the original paper.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = LexRankSelector(threshold=0.1).select(candidates, budget_words=100)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **_PriorMixin.constraints,
        "threshold": Interval(0, 1, allow_none=True),
        "damping": _DAMPING,
    }

    def __init__(
        self,
        threshold: float | None = None,
        damping: float = 0.85,
        support_weight: float = 0.0,
        position_weight: float = 0.0,
    ) -> None:
        self.threshold = threshold
        self.damping = damping
        self.support_weight = support_weight
        self.position_weight = position_weight
        check_params(self, "selector")

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        document = candidates.document
        weights = np.clip(document.embeddings @ document.embeddings.T, 0.0, None).astype(np.float64)
        if self.threshold is not None:
            weights = (weights >= self.threshold).astype(np.float64)
        centrality = _pagerank(weights, self.damping)
        scores = self._with_prior(candidates, _score_groups(candidates, centrality))
        return fill_budget(_ranked(scores), candidates.words, budget_words)


def _content_word_matrix(texts: list[str]):
    """Binary sentence-by-word matrix of lower-cased content words (stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(binary=True, stop_words="english", token_pattern=r"(?u)\b\w+\b")
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return None


class TextRankSelector(_PriorMixin):
    """TextRank (Mihalcea & Tarau, 2004): PageRank over lexical overlap between sentences.

    Edge weight is the number of shared content words normalised by the log lengths of both
    sentences, the paper's measure; it needs no embeddings.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = TextRankSelector(damping=0.85).select(candidates, budget_words=100)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **_PriorMixin.constraints,
        "damping": _DAMPING,
    }

    def __init__(
        self, damping: float = 0.85, support_weight: float = 0.0, position_weight: float = 0.0
    ) -> None:
        self.damping = damping
        self.support_weight = support_weight
        self.position_weight = position_weight
        check_params(self, "selector")

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        document = candidates.document
        n = len(document.sentences)
        bags = _content_word_matrix([s.text for s in document.sentences])
        if bags is None:
            weights = np.zeros((n, n))
        else:
            shared = (bags @ bags.T).toarray().astype(np.float64)
            log_length = np.log(np.maximum(np.asarray(bags.sum(axis=1)).ravel(), 2))
            weights = shared / (log_length[:, None] + log_length[None, :])
            np.fill_diagonal(weights, 0.0)
        centrality = _pagerank(weights, self.damping)
        scores = self._with_prior(candidates, _score_groups(candidates, centrality))
        return fill_budget(_ranked(scores), candidates.words, budget_words)


class SubmodularSelector(_PriorMixin):
    """Coverage plus diversity under a budget (Lin & Bilmes, 2011).

    ``F(S) = sum_i min(C_i(S), alpha * C_i(V)) + diversity * sum_k sqrt(sum_{j in S, P_k} r_j)``
    where ``C_i(S)`` is how well the chosen set covers sentence ``i`` of the cluster, ``P_k`` are
    k-means clusters of the candidates and ``r_j`` is a candidate's mean similarity to the
    cluster. Maximised by the cost-scaled greedy algorithm with the best singleton check, which
    carries the paper's approximation guarantee.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = SubmodularSelector(alpha=5.0, diversity=6.0).select(candidates, budget_words=100)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **_PriorMixin.constraints,
        "alpha": Interval(0, closed="neither"),
        "diversity": Interval(0),
        "cluster_share": Interval(0, 1),
        "cost_exponent": Interval(0, 1),
        "seed": Interval(0, integer=True),
    }

    def __init__(
        self,
        alpha: float = 5.0,
        diversity: float = 6.0,
        cluster_share: float = 0.2,
        cost_exponent: float = 0.3,
        support_weight: float = 0.0,
        position_weight: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.alpha = alpha
        self.diversity = diversity
        self.cluster_share = cluster_share
        self.cost_exponent = cost_exponent
        self.support_weight = support_weight
        self.position_weight = position_weight
        self.seed = seed
        check_params(self, "selector")

    def _partitions(self, candidates: Candidates) -> np.ndarray:
        n = len(candidates)
        k = max(1, min(n, round(self.cluster_share * n)))
        if k == 1:
            return np.zeros(n, dtype=np.int64)
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=k, init="random", n_init=1, random_state=self.seed)
        return model.fit_predict(candidates.embeddings.astype(np.float64))

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        document = candidates.document
        # cover[i, j]: how much candidate j covers sentence i of the whole cluster
        cover = np.clip(document.embeddings @ candidates.embeddings.T, 0.0, None).astype(np.float64)
        n_sentences = cover.shape[0]
        saturation = self.alpha * cover.mean(axis=1)
        reward = cover.mean(axis=0)
        partition = self._partitions(candidates)
        prior = salience_prior(candidates, self.support_weight, self.position_weight)
        words = candidates.words
        cost = np.power(np.maximum(words, 1).astype(np.float64), self.cost_exponent)

        covered = np.zeros(n_sentences)
        in_partition = np.zeros(partition.max() + 1)
        value = 0.0
        gains = np.zeros(len(candidates))

        def choose(open_: np.ndarray) -> int | None:
            nonlocal gains
            coverage = np.minimum(covered[:, None] + cover, saturation[:, None]).sum(axis=0)
            diversity = np.sqrt(in_partition[partition] + reward) - np.sqrt(in_partition[partition])
            gains = (
                coverage
                - np.minimum(covered, saturation).sum()
                + self.diversity * diversity
                + prior
            )
            best = best_open(gains / cost, open_)
            return None if gains[best] <= 0 else best

        def take(best: int) -> None:
            nonlocal covered, value
            value += float(gains[best])
            covered += cover[:, best]
            in_partition[partition[best]] += reward[best]

        chosen = greedy_fill(words, budget_words, choose, take)
        singleton = self._best_singleton(cover, saturation, reward, prior, words, budget_words)
        if singleton is not None and singleton[1] > value:
            return [singleton[0]]
        return chosen

    def _best_singleton(
        self,
        cover: np.ndarray,
        saturation: np.ndarray,
        reward: np.ndarray,
        prior: np.ndarray,
        words: np.ndarray,
        budget_words: int,
    ) -> tuple[int, float] | None:
        fits = np.flatnonzero(words <= budget_words)
        if len(fits) == 0:
            return None
        values = (
            np.minimum(cover[:, fits], saturation[:, None]).sum(axis=0)
            + self.diversity * np.sqrt(reward[fits])
            + prior[fits]
        )
        best = int(np.argmax(values))
        return int(fits[best]), float(values[best])


class ConceptCoverageSelector:
    """Concept coverage (Gillick & Favre, 2009), maximised greedily under the word budget.

    Concepts are stemmed word bigrams (not both stop words). A concept's weight is the number of
    independent sources that use it: a republished copy is the same source as its original
    (``Candidates.source_of``), so a copied story does not count twice. Only concepts used by at
    least ``max(min_df, ceil(min_df_share * sources))`` sources count (capped at the number of
    sources, so a single article still has concepts): the bar rises with the cluster, as a
    bigram shared by 2 of 25 outlets says less than one shared by 2 of 3.

    The summary maximises the total weight of the distinct concepts it covers, so facts
    repeated across outlets are taken once each. Each step takes the sentence with the best
    ``new weight / words ** cost_exponent`` that still fits. Sentences shorter than
    ``min_words`` (fragments, datelines, one-line quotes) are considered only to fill what is
    left of the budget when no longer sentence fits. ``support_weight`` and
    ``position_weight`` scale a sentence's gain by ``1 + weight * prior`` (cross-source support
    in [0, 1], lead bonus ``1 / (1 + position)``), so they break near-ties without a scale of
    their own.

    Example (the default selector; ``candidates`` from ``Summarizer.prepare(cluster)``)::

        selector = ConceptCoverageSelector(min_df=2, min_words=8)
        chosen = selector.select(candidates, budget_words=100)
        text = " ".join(candidates.sentences[i].text for i in chosen)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "min_df": Interval(1, integer=True),
        "min_df_share": Interval(0, 1),
        "cost_exponent": Interval(0, 1),
        "min_words": Interval(0, integer=True),
        **_PriorMixin.constraints,
    }

    def __init__(
        self,
        min_df: int = 2,
        min_df_share: float = 0.1,
        cost_exponent: float = 0.75,
        min_words: int = 8,
        support_weight: float = 0.0,
        position_weight: float = 0.1,
    ) -> None:
        self.min_df = min_df
        self.min_df_share = min_df_share
        self.cost_exponent = cost_exponent
        self.min_words = min_words
        self.support_weight = support_weight
        self.position_weight = position_weight
        check_params(self, "selector")

    def weigh_concepts(self, candidates: Candidates) -> dict[tuple[str, str], float]:
        """The concepts this selector covers and their weights, before a query or an update
        reweighs them (a study can replace this rule: scripts/learned_concepts_study.py)."""
        return concept_weights(candidates, self.min_df, self.min_df_share)

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        from scipy.sparse import csr_matrix

        weights = self.weigh_concepts(candidates)
        if factor := candidates.concept_factor:  # update read, query asked: reweigh concepts
            weights = {c: w * factor.get(c, 1.0) for c, w in weights.items()}
        vocabulary = {c: i for i, c in enumerate(weights)}
        rows, cols = [], []
        for row, concepts in enumerate(_candidate_concepts(candidates)):
            for concept in concepts:
                column = vocabulary.get(concept)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
        n = len(candidates)
        has = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocabulary)))
        has.data[:] = 1.0  # a concept counts once per sentence
        bonus = 1.0 + salience_prior(candidates, self.support_weight, self.position_weight)
        words = candidates.words
        cost = np.power(np.maximum(words, 1).astype(np.float64), self.cost_exponent)
        uncovered = np.array(list(weights.values()), dtype=np.float64)

        def choose(open_: np.ndarray) -> int:
            # once no open sentence adds weight, ties go to the first candidate: the top of
            # the first article (on Multi-News 15.51 R-2 F1, against 15.49 for the earliest
            # position of any article and 15.34 for the most central sentence)
            return best_open((has @ uncovered) * bonus / cost, open_)

        def take(best: int) -> None:
            uncovered[has[best].indices] = 0.0

        # sentences of min_words or more first; shorter ones only fill what is left
        chosen = greedy_fill(words, budget_words, choose, take, eligible=words >= self.min_words)
        return greedy_fill(words, budget_words, choose, take, chosen=chosen)


def concept_weights(
    candidates: Candidates, min_df: int = 2, min_df_share: float = 0.0
) -> dict[tuple[str, str], int]:
    """Each concept kept by ``ConceptCoverageSelector`` and its number of sources, sorted."""
    document = candidates.document
    source_concepts: dict[int, set[tuple[str, str]]] = {}
    for sentence in document.sentences:
        source = document.source(sentence.article)
        source_concepts.setdefault(source, set()).update(bigram_concepts(sentence.text))
    frequency: dict[tuple[str, str], int] = {}
    for concepts in source_concepts.values():
        for concept in concepts:
            frequency[concept] = frequency.get(concept, 0) + 1
    n_sources = len(source_concepts)
    floor = min(max(min_df, math.ceil(min_df_share * n_sources - 1e-9)), n_sources)
    return {c: frequency[c] for c in sorted(frequency) if frequency[c] >= floor}


def _candidate_concepts(candidates: Candidates) -> list[set[tuple[str, str]]]:
    return [bigram_concepts(s.text) for s in candidates.sentences]
