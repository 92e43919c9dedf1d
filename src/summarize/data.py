"""The plain data that flows between pipeline stages.

Every stage takes and returns these objects, never a stage object, so a cluster's work is a pure
function of its input and the configuration and can run in any process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class InputError(ValueError):
    """Input that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    """One source article of a cluster, as read from disk (text may still carry web debris)."""

    index: int
    """Position in the cluster's input (file order or ``documents`` order), kept for provenance."""
    text: str
    source: str
    """Where the article came from: a file path, or ``file:line#document``."""
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Cluster:
    """Articles reporting the same event, plus optional human references for evaluation."""

    id: str
    articles: tuple[Article, ...]
    source: str
    title: str | None = None
    date: str | None = None
    references: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Problems met while reading (a skipped file, say) that did not stop the cluster."""


@dataclass(frozen=True)
class Sentence:
    """A sentence of a cleaned article, with where it came from."""

    text: str
    article: int
    """Index of the article in its cluster."""
    position: int
    """Index of the sentence in its article (0 is the lead)."""
    article_length: int = 1
    """Number of sentences in the article, so a selector can use relative position."""

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass
class Document:
    """A cluster once split and embedded: every sentence and its unit-length embedding."""

    cluster: Cluster
    sentences: list[Sentence]
    embeddings: np.ndarray
    """Float32, one L2-normalised row per sentence."""
    warnings: list[str] = field(default_factory=list)
    source_of: tuple[int, ...] = ()
    """Article index -> index of the article it republishes (itself when it is an original);
    empty when no copy detection ran, i.e. every article is its own source."""

    def source(self, article: int) -> int:
        return self.source_of[article] if article < len(self.source_of) else article

    @property
    def n_sources(self) -> int:
        return len({self.source(a.index) for a in self.cluster.articles})


@dataclass
class Candidates:
    """Distinct statements of a cluster after redundancy removal, the input of every selector.

    ``sentences[i]`` stands for the group ``members[i]`` of near-duplicate sentences;
    ``stated_by[i]`` are the independent sources that state it, closely or loosely (each named
    by its original article: a republished copy is not a second source), and ``support[i]`` is
    their number.
    """

    sentences: list[Sentence]
    embeddings: np.ndarray
    support: np.ndarray
    members: list[list[Sentence]]
    stated_by: list[tuple[int, ...]]
    centroid: np.ndarray
    """Mean embedding of all sentences, duplicates included, so repeated facts weigh more."""
    n_articles: int
    """Independent sources: articles, with each group of republished copies counted once."""
    redundancy_threshold: float
    references: tuple[str, ...] = ()
    document: Document | None = None
    """Every sentence before redundancy removal, for methods that score on the whole cluster."""
    source_of: tuple[int, ...] = ()
    """As ``Document.source_of``: article index -> its source's original article."""

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def words(self) -> np.ndarray:
        return np.array([s.words for s in self.sentences], dtype=np.int64)

    def similarity(self) -> np.ndarray:
        return self.embeddings @ self.embeddings.T


@dataclass(frozen=True)
class BriefingSentence:
    """A sentence of the final briefing and its provenance."""

    text: str
    article: int
    position: int
    also_in: tuple[int, ...] = ()
    """Other articles that state the same thing."""
    rewritten: bool = False


@dataclass
class Briefing:
    """The result for one cluster."""

    cluster_id: str
    sentences: list[BriefingSentence]
    title: str | None = None
    articles: tuple[Article, ...] = ()
    """The cleaned articles the sentences come from (titles and sources for the reader)."""
    warnings: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    """Stage-specific facts worth recording, e.g. what the rewriter did."""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return count_words(self.text)


def count_words(text: str) -> int:
    """Whitespace-separated tokens: the unit of ``budget.words`` everywhere."""
    return len(text.split())
