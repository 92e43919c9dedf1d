"""The plain data that flows between pipeline stages.

Every stage takes and returns these objects, never a stage object, so a cluster's work is a pure
function of its input and the configuration and can run in any process.
"""

from __future__ import annotations

import dataclasses
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
    previous_articles: tuple[Article, ...] = ()
    """Articles the reader has already read; their indices never repeat a new article's."""
    previous_summary: tuple[str, ...] = ()
    """Sentences of briefings the reader has already been shown."""
    since: str | None = None
    """When the reader last read about the story (the previous briefing's date), for display."""
    query: str | None = None
    """What the reader wants to know about the story; the briefing favours it (``focus``)."""
    story_page: str | None = None
    """Nightly stories runs: the story's page (its timeline), as a link relative to the
    cluster's briefing files; shown on the briefing, chosen by the run layer."""

    def __post_init__(self) -> None:
        new = {a.index for a in self.articles}
        reused = sorted(new & {a.index for a in self.previous_articles})
        if reused:
            raise ValueError(
                f"cluster {self.id}: article indices {reused} are used by both new and previous "
                "articles, so provenance would be ambiguous"
            )

    def with_previous(
        self,
        read: tuple[Article, ...] | list[Article],
        summary: tuple[str, ...] | list[str] = (),
        since: str | None = None,
    ) -> Cluster:
        """This cluster as an update: its reader has read the articles ``read`` and been shown
        the briefing sentences ``summary``. The one way to build an update cluster, for a cluster
        folder's ``previous/`` articles and for a nightly run's earlier briefing alike.

        An article of this cluster whose text (up to whitespace) is one already read is not
        news: it moves to the previous articles and keeps its index. The other read articles
        are numbered after this cluster's. When nothing new is left, the cluster stays a full
        briefing, with a warning that says so.
        """
        known = {_normal(a.text) for a in read}
        fresh = tuple(a for a in self.articles if _normal(a.text) not in known)
        again = tuple(a for a in self.articles if _normal(a.text) in known)
        if not fresh:
            when = f"since the briefing of {since}" if since else "the reader has not read"
            note = f"no new article {when}; this is the full briefing again"
            return dataclasses.replace(self, warnings=(*self.warnings, note))
        ours = {_normal(a.text) for a in again}
        first = max(a.index for a in self.articles) + 1
        elsewhere = [a for a in read if _normal(a.text) not in ours]
        return dataclasses.replace(
            self,
            articles=fresh,
            previous_articles=(
                *again,
                *(dataclasses.replace(a, index=first + n) for n, a in enumerate(elsewhere)),
            ),
            previous_summary=tuple(summary),
            since=since,
        )

    @property
    def has_previous(self) -> bool:
        """Whether the reader has read about this story before (an update briefing is due)."""
        return bool(self.previous_articles or self.previous_summary)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a cleaned article, with where it came from."""

    text: str
    article: int
    """Index of the article in its cluster."""
    position: int
    """Index of the sentence in its article (0 is the lead)."""

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

    def rows(self) -> dict[tuple[int, int], int]:
        """``sentence_key`` -> index in ``sentences``: where a candidate's sentence sits."""
        return {sentence_key(s): row for row, s in enumerate(self.sentences)}

    @property
    def n_sources(self) -> int:
        return len({self.source(a.index) for a in self.cluster.articles})


@dataclass
class Previous:
    """What the reader already read, split and embedded in the same space as the new sentences."""

    document: Document | None
    """The previous articles, cleaned and split (``None`` when only a briefing was shown)."""
    summary: list[str]
    """Sentences of briefings already shown."""
    summary_embeddings: np.ndarray
    since: str | None = None

    @property
    def texts(self) -> list[str]:
        sentences = self.document.sentences if self.document else []
        return [s.text for s in sentences] + self.summary

    @property
    def embeddings(self) -> np.ndarray:
        if self.document is None:
            return self.summary_embeddings
        return np.vstack([self.document.embeddings, self.summary_embeddings])


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
    document: Document
    """Every sentence before redundancy removal, for methods that score on the whole cluster."""
    references: tuple[str, ...] = ()
    needs_context: np.ndarray | None = None
    """Per candidate: its sentence only makes sense after an earlier one of its article (opens
    with a pronoun or connective, or quotes nobody). The pipeline keeps such a sentence only
    next to an earlier chosen sentence of its article, and the orderer puts it there."""
    concept_factor: dict = field(default_factory=dict)
    """Per concept of the ``concepts`` selector, a factor on its weight (1 when absent): below 1
    for what an update's reader already read, above 1 for the words of the reader's query."""
    source_of: tuple[int, ...] = ()
    """As ``Document.source_of``: article index -> its source's original article."""
    focus: np.ndarray | None = None
    """Query-focused briefings: per candidate, its prior for relevance to the query (weight
    times relevance in [0, 1]); ``None`` for a generic briefing."""

    def __len__(self) -> int:
        return len(self.sentences)

    def subset(self, keep: np.ndarray) -> Candidates:
        """The candidates at indices ``keep``, same cluster and centroid."""
        return dataclasses.replace(
            self,
            sentences=[self.sentences[i] for i in keep],
            embeddings=self.embeddings[keep],
            support=self.support[keep],
            members=[self.members[i] for i in keep],
            stated_by=[self.stated_by[i] for i in keep],
            needs_context=None if self.needs_context is None else self.needs_context[keep],
            focus=None if self.focus is None else self.focus[keep],
        )

    def reweigh_concepts(self, factors: dict) -> Candidates:
        """The candidates with each concept's weight factor multiplied by ``factors[concept]``,
        so that an update's discount and a query's boost combine."""
        combined = dict(self.concept_factor)
        for concept, factor in factors.items():
            combined[concept] = combined.get(concept, 1.0) * factor
        return dataclasses.replace(self, concept_factor=combined)

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
    background: bool = False
    """In an update briefing: context the reader already had, given first as a reminder."""


@dataclass(frozen=True)
class Variant:
    """One source's version of a disputed fact: its sentence and the figure it gives."""

    text: str
    article: int
    position: int
    figure: str | None = None
    """The figure as the sentence writes it ("about 85%"); for a denial, its stance."""
    when: str | None = None
    """The time the sentence gives for it ("on Friday"), when it gives one."""


@dataclass(frozen=True)
class Disagreement:
    """A fact that independent sources state differently (``stages/disagree.py``)."""

    about: str
    """What is disputed: the first variant's sentence, its figure written "[…]"."""
    variants: tuple[Variant, ...]
    """One per source, at least two sources; those whose sentence the briefing shows first."""
    in_briefing: bool = False


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
    disagreements: list[Disagreement] | None = None
    """Where the sources differ, most salient first; ``None`` when not looked for."""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return count_words(self.text)


def sentence_key(sentence: Sentence | BriefingSentence) -> tuple[int, int]:
    """How every stage names a sentence: its article and its place in that article.

    Unique within a cluster, equal for a sentence and the briefing sentence made from it, and
    the same after pickling (object identity is none of these).
    """
    return sentence.article, sentence.position


def _normal(text: str) -> str:
    """A text up to whitespace: how an article already read is recognised when sent again."""
    return " ".join(text.split())


def count_words(text: str) -> int:
    """Whitespace-separated tokens: the unit of ``budget.words`` everywhere."""
    return len(text.split())
