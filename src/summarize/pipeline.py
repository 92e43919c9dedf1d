"""The stages put together: one cluster in, one briefing out.

``Summarizer.summarize`` is a pure function of the cluster and the stage objects, which hold
only their configuration (and, lazily, read-only model weights). A cluster can therefore run in
any process or machine, and be retried, with the same result.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from summarize.data import (
    Article,
    Briefing,
    BriefingSentence,
    Candidates,
    Cluster,
    Disagreement,
    Document,
    InputError,
    Previous,
    Sentence,
    count_words,
    sentence_key,
)
from summarize.output.safe_text import printable
from summarize.params import BUDGET_WORDS, check_value
from summarize.stages.copies import CopyDetector, describe
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.order.context import orphans
from summarize.stages.rewrite.base import Rewriter


class Cleaner(Protocol):
    def cap(self, article: Article) -> tuple[Article, bool]: ...

    def clean(self, article: Article) -> Article: ...


class Splitter(Protocol):
    def split(self, article: Article) -> tuple[list[Sentence], bool]: ...


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class Selector(Protocol):
    def select(self, candidates: Candidates, budget_words: int) -> list[int]: ...


class Orderer(Protocol):
    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]: ...


class Focus(Protocol):
    def query_for(self, cluster: Cluster) -> str | None: ...

    def weigh(
        self, candidates: Candidates, query: str, query_embedding: np.ndarray
    ) -> Candidates: ...


class Disagreements(Protocol):
    def find(
        self, document: Document, encode, shown: set[tuple[int, int]]
    ) -> list[Disagreement] | None: ...


class Update(Protocol):
    background: bool
    uses_history: bool

    def applies(self, cluster: Cluster) -> bool: ...

    def transform(self, candidates: Candidates, previous: Previous) -> Candidates: ...


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program.

    ``getrusage`` carries the parent's peak across fork and exec, so a run launched from a big
    process (a test runner, a scheduler) would report the parent's memory; the kernel's
    per-program high-water mark does not.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    """Adds the block's wall time to ``timings[stage]``, for the manifest and benchmarks."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


class Summarizer:
    """A cluster of articles in, one briefing of at most ``budget_words`` words out.

    Built from the configuration, as the command line builds it (any override applies)::

        from summarize.cli import compose_config
        from summarize.run.driver import SAMPLE_DIR
        from summarize.run.worker import build_summarizer
        from summarize.stages.ingest import read_clusters

        cfg = compose_config("selector=mmr", "budget.words=100")
        summarizer = build_summarizer(cfg)
        cluster = next(read_clusters(SAMPLE_DIR))  # a Cluster, or a ClusterFailure saying why not
        briefing = summarizer.summarize(cluster)
        print(briefing.text)  # provenance per sentence: briefing.sentences[0].also_in
    """

    def __init__(
        self,
        cleaner: Cleaner,
        splitter: Splitter,
        embedder: Embedder,
        dedup: RedundancyRemover,
        selector: Selector,
        orderer: Orderer,
        budget_words: int = 250,
        rewriter: Rewriter | None = None,
        update: Update | None = None,
        copies: CopyDetector | None = None,
        focus: Focus | None = None,
        disagreements: Disagreements | None = None,
    ) -> None:
        check_value("budget.words", budget_words, BUDGET_WORDS)
        self.cleaner = cleaner
        self.splitter = splitter
        self.embedder = embedder
        self.dedup = dedup
        self.selector = selector
        self.orderer = orderer
        self.budget_words = budget_words
        self.rewriter = rewriter
        self.update = update
        """Update briefings for clusters with previous state; ``None`` ignores that state."""
        self.copies = copies if copies is not None else CopyDetector()
        self.focus = focus
        """Query-focused briefings for clusters with a query; ``None`` ignores queries."""
        self.disagreements = disagreements
        """Lists where the sources differ (``stages/disagree.py``); ``None`` does not look."""

    def prepare(self, cluster: Cluster, timings: dict[str, float] | None = None) -> Candidates:
        """Cleaning, splitting, embedding and redundancy removal: all but the selection."""
        return self._prepare(cluster, timings, with_previous=False)[0]

    def _prepare(
        self, cluster: Cluster, timings: dict[str, float] | None, with_previous: bool
    ) -> tuple[Candidates, Previous | None]:
        """The candidates and, for an update briefing, what the reader already read.

        New and previous sentences are embedded in one call, so that embedders fitted per call
        (TF-IDF) put both in the same space.
        """
        warnings = list(cluster.warnings)
        with timed(timings, "clean"):
            articles = self._clean(cluster.articles, warnings)
        if not articles:
            raise InputError(
                f"cluster {printable(cluster.id)}: no article has story text after cleaning"
            )
        cluster = dataclasses.replace(cluster, articles=tuple(articles))
        identical = _same_text(cluster)
        warnings.extend(_cluster_shape_warnings(cluster, identical))

        with timed(timings, "split"):
            sentences = self._split(articles, warnings)
        if not sentences:
            raise InputError(
                f"cluster {printable(cluster.id)}: no sentence long enough to summarize in "
                + ", ".join(a.source for a in articles)
            )
        previous_articles: list[Article] = []
        previous_sentences: list[Sentence] = []
        summary = list(cluster.previous_summary) if with_previous else []
        if with_previous:
            with timed(timings, "clean"):
                previous_articles = self._clean(cluster.previous_articles, warnings)
            with timed(timings, "split"):
                previous_sentences = self._split(previous_articles, warnings)
        texts = [s.text for s in sentences + previous_sentences] + summary
        query = self.query_for(cluster)
        with timed(timings, "embed"):
            embeddings = self.embedder.encode(texts + ([query] if query else []))
        if query:
            query_embedding, embeddings = embeddings[-1], embeddings[:-1]
        document = Document(cluster, sentences, embeddings[: len(sentences)], warnings)
        with timed(timings, "dedup"):
            source_of, copies_found = self.copies.detect(document, self.dedup.threshold)
            document.source_of = source_of
            reported = {frozenset(pair) for pair in identical.items()}
            warnings.extend(  # an identical copy was reported as such already
                describe(r, document)
                for r in copies_found
                if frozenset((r.article, r.copy_of)) not in reported
            )
            candidates = self.dedup.transform(document)
        if query:
            assert self.focus is not None
            candidates = self.focus.weigh(candidates, query, query_embedding)
        if not with_previous:
            return candidates, None
        rest = embeddings[len(sentences) :]
        previous_document = None
        if previous_sentences:
            previous_cluster = dataclasses.replace(
                cluster, articles=tuple(previous_articles), previous_articles=(), warnings=()
            )
            previous_document = Document(
                previous_cluster, previous_sentences, rest[: len(previous_sentences)]
            )
        previous = Previous(
            previous_document, summary, rest[len(previous_sentences) :], since=cluster.since
        )
        return candidates, previous

    def query_for(self, cluster: Cluster) -> str | None:
        """The query the cluster's briefing answers (``None``: a generic briefing)."""
        return self.focus.query_for(cluster) if self.focus is not None else None

    def _clean(self, articles: tuple[Article, ...], warnings: list[str]) -> list[Article]:
        cleaned_articles = []
        for article in articles:
            capped, cut = self.cleaner.cap(article)
            if cut:
                warnings.append(
                    f"{printable(article.source)}: {len(article.text):,} characters, only "
                    f"the first {len(capped.text):,} were read (cleaner.max_chars)"
                )
            cleaned = self.cleaner.clean(capped)
            if cleaned.text.strip():
                cleaned_articles.append(cleaned)
            else:
                warnings.append(f"skipped {article.source}: no story text left after cleaning")
        return cleaned_articles

    def _split(self, articles: list[Article], warnings: list[str]) -> list[Sentence]:
        sentences: list[Sentence] = []
        for article in articles:
            split, truncated = self.splitter.split(article)
            if truncated:
                warnings.append(
                    f"{article.source}: long article, only its first {len(split)} "
                    "sentences were considered"
                )
            sentences.extend(split)
        return sentences

    def summarize(self, cluster: Cluster, timings: dict[str, float] | None = None) -> Briefing:
        update = self.update is not None and self.update.applies(cluster)
        candidates, previous = self._prepare(cluster, timings, with_previous=update)
        document = candidates.document
        background: list[BriefingSentence] = []
        budget = self.budget_words
        if previous is not None:
            assert self.update is not None
            with timed(timings, "update"):
                candidates = self.update.transform(candidates, previous)
                background = self._background(previous)
            budget -= sum(count_words(s.text) for s in background)
        with timed(timings, "select"):
            chosen = self._select_readable(candidates, budget)
            ordered = self.orderer.order(candidates, chosen)
        briefing = Briefing(
            cluster_id=cluster.id,
            title=cluster.title
            or next((a.title for a in document.cluster.articles if a.title), None),
            sentences=background + [_briefing_sentence(candidates, i) for i in ordered],
            articles=document.cluster.articles,
            warnings=list(document.warnings),
            details={"republished": copies} if (copies := republished(document)) else {},
        )
        if query := self.query_for(cluster):
            briefing.details["query"] = query
        if previous is not None:
            briefing.details["update"] = {
                "since": cluster.since,
                "previous_articles": len(cluster.previous_articles),
            }
            if background and previous.document is not None:  # sources of the background
                briefing.articles += previous.document.cluster.articles
        if self.rewriter is not None:
            with timed(timings, "rewrite"):
                briefing = self.rewriter.rewrite(
                    briefing, document, self.embedder.encode, self.budget_words
                )
        if self.disagreements is not None:
            # a fact is in the briefing when a chosen candidate stands for one of its sentences
            shown = {sentence_key(m) for i in ordered for m in candidates.members[i]}
            with timed(timings, "disagree"):
                briefing.disagreements = self.disagreements.find(
                    document, self.embedder.encode, shown
                )
        return briefing

    def _select_readable(
        self, candidates: Candidates, budget_words: int, rounds: int = 10
    ) -> list[int]:
        """The selector's choice, minus sentences that would dangle, with the budget refilled.

        A sentence that needs context ("She said...") stays only when an earlier sentence of
        its article is chosen too; otherwise it is excluded and the selector chooses again,
        until nothing dangles. Each round excludes at least one candidate; ``rounds`` bounds
        the cost for a slow selector, and only then are sentences dropped without a refill.
        Three rounds were too few for 5 of 92 Multi-News clusters, whose briefings came out
        25-73 words short.
        """
        allowed = np.ones(len(candidates), dtype=bool)
        chosen: list[int] = []
        dangling: list[int] = []  # always the orphans of ``chosen``
        for _ in range(rounds):
            if not allowed.any():
                break
            index = np.flatnonzero(allowed)
            picked = self.selector.select(candidates.subset(index), budget_words)
            chosen = [int(index[i]) for i in picked]
            dangling = orphans(candidates, chosen)
            if not dangling:
                return chosen
            allowed[dangling] = False
        gone = set(dangling)
        return [i for i in chosen if i not in gone]

    def _background(self, previous: Previous) -> list[BriefingSentence]:
        """One sentence of what the reader already knew: the one the selector values most."""
        assert self.update is not None
        if not self.update.background or previous.document is None:
            return []
        candidates = self.dedup.transform(previous.document)
        chosen = self.selector.select(candidates, self.budget_words // 3)
        if not chosen:
            return []
        return [dataclasses.replace(_briefing_sentence(candidates, chosen[0]), background=True)]


def _briefing_sentence(candidates: Candidates, index: int) -> BriefingSentence:
    sentence = candidates.sentences[index]
    own = candidates.document.source(sentence.article)
    return BriefingSentence(
        text=sentence.text,
        article=sentence.article,
        position=sentence.position,
        also_in=tuple(a for a in candidates.stated_by[index] if a != own),
    )


def republished(document: Document) -> list[dict[str, int]]:
    """``[{"article": 1, "copy_of": 0}]``: the articles counted as copies, for the record."""
    return [
        {"article": article, "copy_of": source}
        for article, source in enumerate(document.source_of)
        if article != source
    ]


def _cluster_shape_warnings(cluster: Cluster, identical: dict[int, int]) -> list[str]:
    """Clusters that will summarize, but not as a multi-source briefing (``identical``: as
    ``_same_text`` gives)."""
    if len(cluster.articles) == 1:
        return [
            f"cluster {printable(cluster.id)}: only one article, so no fact has cross-source "
            "support"
        ]
    return [
        f"{_source_of(cluster, copy)}: same text as article {first} ({_source_of(cluster, first)})"
        for copy, first in identical.items()
    ]


def _same_text(cluster: Cluster) -> dict[int, int]:
    """Article index -> the earlier article with the same text (up to whitespace)."""
    first_seen: dict[str, int] = {}
    copies = {}
    for article in cluster.articles:
        key = " ".join(article.text.split())
        if key in first_seen:
            copies[article.index] = first_seen[key]
        else:
            first_seen[key] = article.index
    return copies


def _source_of(cluster: Cluster, index: int) -> str:
    return next(a.source for a in cluster.articles if a.index == index)
