"""The stages put together: one cluster in, one briefing out.

``Summarizer.summarize`` is a pure function of the cluster and the stage objects, which hold
only their configuration (and, lazily, read-only model weights). A cluster can therefore run in
any process or machine, and be retried, with the same result.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from summarize.copies import CopyDetector, describe
from summarize.data import (
    Article,
    Briefing,
    BriefingSentence,
    Candidates,
    Cluster,
    Document,
    InputError,
    Sentence,
)
from summarize.dedup import RedundancyRemover


class Cleaner(Protocol):
    def clean(self, article: Article) -> Article: ...


class Splitter(Protocol):
    def split(self, article: Article) -> tuple[list[Sentence], bool]: ...


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


class Selector(Protocol):
    def select(self, candidates: Candidates, budget_words: int) -> list[int]: ...


class Orderer(Protocol):
    def order(self, candidates: Candidates, chosen: list[int]) -> list[int]: ...


class Rewriter(Protocol):
    def rewrite(
        self,
        briefing: Briefing,
        document: Document,
        encode: Callable[[list[str]], np.ndarray],
        budget_words: int,
    ) -> Briefing: ...


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
    """A cluster of articles in, one briefing of at most ``budget_words`` words out."""

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
        copies: CopyDetector | None = None,
    ) -> None:
        if budget_words <= 0:
            raise ValueError(f"budget.words must be positive, got {budget_words}")
        self.cleaner = cleaner
        self.splitter = splitter
        self.embedder = embedder
        self.dedup = dedup
        self.selector = selector
        self.orderer = orderer
        self.budget_words = budget_words
        self.rewriter = rewriter
        self.copies = copies if copies is not None else CopyDetector()

    def prepare(self, cluster: Cluster, timings: dict[str, float] | None = None) -> Candidates:
        """Cleaning, splitting, embedding and redundancy removal: all but the selection."""
        warnings = list(cluster.warnings)
        with timed(timings, "clean"):
            articles = []
            for article in cluster.articles:
                cleaned = self.cleaner.clean(article)
                if cleaned.text.strip():
                    articles.append(cleaned)
                else:
                    warnings.append(f"skipped {article.source}: no story text left after cleaning")
        if not articles:
            raise InputError(f"cluster {cluster.id}: no article has story text after cleaning")
        cluster = dataclasses.replace(cluster, articles=tuple(articles))
        warnings.extend(_cluster_shape_warnings(cluster))

        with timed(timings, "split"):
            sentences: list[Sentence] = []
            for article in articles:
                split, truncated = self.splitter.split(article)
                if truncated:
                    warnings.append(
                        f"{article.source}: long article, only its first {len(split)} "
                        "sentences were considered"
                    )
                sentences.extend(split)
        if not sentences:
            raise InputError(
                f"cluster {cluster.id}: no sentence long enough to summarize in "
                + ", ".join(a.source for a in articles)
            )
        with timed(timings, "embed"):
            embeddings = self.embedder.encode([s.text for s in sentences])
        document = Document(cluster, sentences, embeddings, warnings)
        with timed(timings, "dedup"):
            source_of, republished = self.copies.detect(document, self.dedup.threshold)
            document.source_of = source_of
            warnings.extend(describe(r, document) for r in republished)
            return self.dedup.transform(document)

    def summarize(self, cluster: Cluster, timings: dict[str, float] | None = None) -> Briefing:
        candidates = self.prepare(cluster, timings)
        document = candidates.document
        assert document is not None
        with timed(timings, "select"):
            chosen = self.selector.select(candidates, self.budget_words)
            ordered = self.orderer.order(candidates, chosen)
        briefing = Briefing(
            cluster_id=cluster.id,
            title=cluster.title
            or next((a.title for a in document.cluster.articles if a.title), None),
            sentences=[_briefing_sentence(candidates, i) for i in ordered],
            articles=document.cluster.articles,
            warnings=list(document.warnings),
            details={"republished": republished(document)} if document.source_of else {},
        )
        if self.rewriter is not None:
            with timed(timings, "rewrite"):
                briefing = self.rewriter.rewrite(
                    briefing, document, self.embedder.encode, self.budget_words
                )
        return briefing


def _briefing_sentence(candidates: Candidates, index: int) -> BriefingSentence:
    sentence = candidates.sentences[index]
    document = candidates.document
    own = document.source(sentence.article) if document is not None else sentence.article
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


def _cluster_shape_warnings(cluster: Cluster) -> list[str]:
    """Clusters that will summarize, but not as a multi-source briefing."""
    if len(cluster.articles) == 1:
        return [f"cluster {cluster.id}: only one article, so no fact has cross-source support"]
    first_seen: dict[str, int] = {}
    warnings = []
    for article in cluster.articles:
        key = " ".join(article.text.split())
        if key in first_seen:
            warnings.append(
                f"{article.source}: same text as article {first_seen[key]} "
                f"({_source_of(cluster, first_seen[key])})"
            )
        else:
            first_seen[key] = article.index
    return warnings


def _source_of(cluster: Cluster, index: int) -> str:
    return next(a.source for a in cluster.articles if a.index == index)
