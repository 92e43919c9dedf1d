"""What runs inside a worker: one cluster in, its briefing's record and rendered files out.

``ClusterWorker`` is a picklable callable built from the resolved configuration; any executor
(this process, a worker process, a Ray actor) calls it, and the driver stores its
``ClusterOutcome``. This module is a leaf of the run layer: it imports nothing from the driver
or the executors, so a spawned worker loads the pipeline and nothing of the batch machinery.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig

from summarize.data import Briefing, Cluster, InputError
from summarize.output.render import BriefingRenderer
from summarize.pipeline import Summarizer, peak_rss_mb
from summarize.run.store import ClusterResult, text_digest

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


MAX_KILLS = 5
"""A cluster whose process is killed this many times while it runs, with no fault recorded
(the OOM killer every time), is recorded as failed instead of started again. Kills are far
more often an operator, a reboot or a scheduler's stop than the cluster, so the limit is well
above that of crashes."""


def crashed(times: int, how: str | None = None) -> str:
    """The failure recorded for a cluster that took its process down ``times`` times with a
    native fault, whatever the executor (a worker process, a Ray actor, or the run's own
    process); ``how`` says what was seen last (a signal, an exit code)."""
    return f"crashed the process {times} times" + (f" ({how})" if how else "")


def killed(times: int) -> str:
    """The failure recorded for a cluster whose process was killed ``times`` times with no
    fault recorded, each time while it ran."""
    return f"the process was killed {times} times while summarizing this cluster; out of memory?"


@dataclass
class ClusterOutcome:
    """A worker's answer for one cluster: what the driver stores, plus the rendered files."""

    result: ClusterResult
    rendered: dict[str, str] = field(default_factory=dict)
    """File suffix (``.md``, ``.html``) to the briefing in that format."""

    @classmethod
    def failed(cls, cluster: Cluster, key: str, reason: str) -> ClusterOutcome:
        """A cluster the executor gave up on (its worker died, or it ran out of time)."""
        return cls(ClusterResult(id=cluster.id, key=key, source=cluster.source, failure=reason))


class ClusterWorker:
    """Builds the stages once from the configuration, then summarizes clusters one by one.

    It holds only the resolved configuration until first used, so it pickles small and can be
    sent to any process or machine; each worker process keeps its own loaded model.
    """

    def __init__(self, config: dict) -> None:
        self.config = config
        self._summarizer: Summarizer | None = None
        self._evaluator = None
        self._renderer: BriefingRenderer | None = None

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            self._summarizer = build_summarizer(self.config)
            evaluation = self.config.get("evaluation")
            self._evaluator = instantiate(evaluation) if evaluation else None
            self._renderer = BriefingRenderer(formats=self.config["output"]["formats"])
        return self._summarizer

    def warm_up(self) -> None:
        """Builds the stages and loads the model now, before the first cluster arrives."""
        load = getattr(self.summarizer.embedder, "load", None)
        if load is not None:
            load()

    def __call__(self, cluster: Cluster, key: str) -> ClusterOutcome:
        summarizer = self.summarizer
        started = time.perf_counter()
        timings: dict[str, float] = {}
        cache_before = _cache_counts(summarizer.embedder)
        result = ClusterResult(id=cluster.id, key=key, source=cluster.source)
        try:
            briefing = summarizer.summarize(cluster, timings)
        except Exception as error:  # one bad cluster must not take the batch down
            result.failure = _reason(error)
            result.seconds = time.perf_counter() - started
            result.timings = timings
            return ClusterOutcome(result)
        result.seconds = time.perf_counter() - started
        assert self._renderer is not None
        record, rendered = self._renderer.render(briefing, cluster)
        result.record = record
        result.warnings = list(briefing.warnings)
        result.articles = len(cluster.articles)
        result.article_digests = [
            text_digest(a.text)
            for a in (*getattr(cluster, "previous_articles", ()), *cluster.articles)
        ]
        result.words = briefing.words
        # before scoring, which embeds the briefing's own sentences again
        hits = _cache_counts(summarizer.embedder).get("hits", 0) - cache_before.get("hits", 0)
        result.from_cache = hits > 0
        if self._evaluator is not None and cluster.references:
            result.scores = self._score(briefing, cluster, result.seconds, timings)
        result.timings = timings
        result.cache_use = {
            name: count - cache_before[name]
            for name, count in _cache_counts(summarizer.embedder).items()
        }
        return ClusterOutcome(result, rendered)

    def _score(self, briefing: Briefing, cluster: Cluster, seconds: float, timings: dict) -> dict:
        sentences = [s.text for s in briefing.sentences]
        started = time.perf_counter()  # scoring only: not part of making the briefing
        embeddings = self.summarizer.embedder.encode(sentences)
        rouge = self._evaluator.score(sentences, cluster.references)
        timings["evaluate"] = timings.get("evaluate", 0.0) + time.perf_counter() - started
        return {
            **rouge,
            "words": briefing.words,
            "redundancy": redundancy(embeddings, self.summarizer.dedup.threshold),
            "seconds": seconds,
        }


def _reason(error: BaseException) -> str:
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


def build_summarizer(config: dict | DictConfig) -> Summarizer:
    """The pipeline's stages, instantiated from their config groups."""
    return Summarizer(
        cleaner=instantiate(config["cleaner"]),
        splitter=instantiate(config["splitter"]),
        embedder=instantiate(config["embedder"]),
        dedup=instantiate(config["dedup"]),
        selector=instantiate(config["selector"]),
        orderer=instantiate(config["orderer"]),
        budget_words=config["budget"]["words"],
        rewriter=instantiate(config["rewriter"]) if config.get("rewriter") else None,
        update=instantiate(config["update"]) if config.get("update") else None,
        focus=instantiate(config["focus"]) if config.get("focus") else None,
        disagreements=instantiate(config["disagree"]) if config.get("disagree") else None,
    )


def redundancy(embeddings, threshold: float) -> float:
    """Share of sentence pairs at or above the dedup similarity (0: all facts distinct)."""
    n = len(embeddings)
    if n < 2:
        return 0.0
    similarity = embeddings @ embeddings.T
    upper = similarity[np.triu_indices(n, k=1)]
    return float((upper >= threshold).mean())


def _cache_counts(embedder: object) -> dict[str, int]:
    """The embedder's running cache counters (none for an embedder without a cache)."""
    if getattr(embedder, "cache_dir", None) is None:
        return {}
    return {
        "hits": embedder.cache_hits,
        "misses": embedder.cache_misses,
        "repaired": getattr(embedder, "cache_repaired", 0),
    }


def limit_threads(threads: int) -> None:
    """Caps the math libraries of this (worker) process at ``threads`` threads."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # BLAS and OpenMP pools loaded before the variables were set


def start_worker(worker: ClusterWorker) -> tuple[str, Any]:
    """In a new worker: builds the stages and loads the model, before any cluster is sent.

    So the model load never counts against a cluster's time limit, and a configuration that
    cannot load stops the run (``fatal``) as it would in one process, instead of killing
    workers one after the other.
    """
    try:
        worker.warm_up()
    except Exception as error:
        return "fatal", f"{type(error).__name__}: {error}"
    return "ready", peak_rss_mb()


def run_cluster(worker: ClusterWorker, cluster: Cluster, key: str) -> tuple[str, Any]:
    """In a worker: one cluster's outcome and the worker's peak memory so far."""
    return "done", (worker(cluster, key), peak_rss_mb())
