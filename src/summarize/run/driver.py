"""Runs a batch: decides what to summarize, skips what is complete, isolates failures, merges.

The per-cluster work is ``ClusterWorker``: a picklable callable built from the resolved
configuration that turns one cluster into a ``ClusterOutcome`` (the briefing's JSON line and
rendered files, or the failure, plus its scores and timings). An executor (``runner`` config
group) decides where workers run; the driver here decides what runs, writes each finished
cluster's files and completion marker through the store, and merges ``summaries.jsonl``,
``metrics.json``, the night's ``index.html`` and the manifest at the end.

Programmatic use::

    from summarize.runner import run
    report = run(cfg)  # cfg: the composed Hydra configuration (see ``tests/conftest.py``)
    print(report.succeeded, report.failed, report.output_dir)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Protocol

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from summarize import __version__
from summarize.data import Briefing, Cluster
from summarize.evaluate import mean_scores
from summarize.ingest import ClusterFailure, count_clusters, input_files, read_clusters
from summarize.manifest import Manifest, environment
from summarize.params import ParameterError
from summarize.pipeline import Summarizer, peak_rss_mb
from summarize.store import (
    ClusterResult,
    RunFolder,
    RunLock,
    atomic_write,
    atomic_writer,
    cluster_fingerprint,
    digest,
    previous_result,
    text_digest,
    write_json,
)
from summarize.write import BriefingWriter, IndexEntry, render_index

log = logging.getLogger("summarize")

SAMPLE_DIR = Path(__file__).parent / "sample"

VOLATILE_KEYS = ("input", "run", "runner", "cache_dir", "night", "hydra")
"""Configuration that never changes a cluster's result: where things are read and written,
how the run is driven, and the cache (it returns what a fresh computation would)."""


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
        self._writer: BriefingWriter | None = None

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
            self._writer = BriefingWriter(formats=self.config["output"]["formats"])
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
        assert self._writer is not None
        record, rendered = self._writer.render(briefing, cluster)
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
    from summarize.data import InputError

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
    )


def redundancy(embeddings, threshold: float) -> float:
    """Share of sentence pairs at or above the dedup similarity (0: all facts distinct)."""
    n = len(embeddings)
    if n < 2:
        return 0.0
    similarity = embeddings @ embeddings.T
    upper = similarity[np.triu_indices(n, k=1)]
    return float((upper >= threshold).mean())


class Executor(Protocol):
    """Where clusters are summarized: ``map`` yields one outcome per task, in any order."""

    def map(
        self, worker: ClusterWorker, tasks: Iterable[tuple[Cluster, str]]
    ) -> Iterator[ClusterOutcome]: ...


class LocalExecutor:
    """In this process, one cluster after the other (the default).

    ``timeout_s`` records a cluster still running after that many seconds as failed and goes
    on. It uses ``SIGALRM``, so it works in the main thread of a POSIX process only (elsewhere
    it is off, with a warning), and it takes effect between Python bytecodes: a single long
    call into native code (one ONNX batch, one regular expression) finishes first.
    """

    def __init__(self, timeout_s: float | None = None) -> None:
        check_timeout(timeout_s)
        self.timeout_s = timeout_s

    def map(
        self, worker: ClusterWorker, tasks: Iterable[tuple[Cluster, str]]
    ) -> Iterator[ClusterOutcome]:
        limit = self.timeout_s
        if limit is not None and not (_in_main_thread() and hasattr(signal, "SIGALRM")):
            log.warning("runner.timeout_s needs the main thread of a POSIX process: no time limit")
            limit = None
        for cluster, key in tasks:
            if limit is None:
                yield worker(cluster, key)
                continue
            worker.warm_up()  # the model load is not the cluster's time
            try:
                with _alarm(limit):
                    outcome = worker(cluster, key)
            except _TimeLimit:
                log.error("cluster %s: %s", cluster.id, timed_out(limit))
                outcome = ClusterOutcome.failed(cluster, key, timed_out(limit))
            yield outcome


def check_timeout(timeout_s: float | None) -> None:
    if timeout_s is not None and not timeout_s > 0:
        raise ParameterError(
            f"runner.timeout_s={timeout_s}: give a positive number of seconds or null"
        )


def timed_out(seconds: float) -> str:
    """The failure recorded for a cluster over ``runner.timeout_s``, whatever the runner."""
    return f"timed out after {seconds:g} s"


class _TimeLimit(BaseException):
    """Raised by ``SIGALRM`` in the middle of a cluster; a BaseException so that the pipeline's
    own ``except Exception`` handlers do not swallow it."""


class _alarm:
    """Raises ``_TimeLimit`` in the main thread after ``seconds``, unless left before."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous = None

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    @staticmethod
    def _expire(signum, frame) -> None:
        raise _TimeLimit

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)


class Interrupted(Exception):
    """A stop was requested (SIGTERM): the run ends after the current cluster."""


@dataclass
class RunReport:
    output_dir: Path
    manifest: Manifest
    metrics: dict | None = None

    @property
    def succeeded(self) -> int:
        return self.manifest.counts.succeeded

    @property
    def failed(self) -> int:
        return self.manifest.counts.failed

    @property
    def failures(self) -> list[dict]:
        return self.manifest.failures


def config_fingerprint(cfg: DictConfig | dict) -> str:
    """Names what shapes a cluster's result: the resolved configuration and the package version."""
    container = (
        OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    )
    shaping = {k: v for k, v in container.items() if k not in VOLATILE_KEYS}
    shaping["output"] = {"formats": list((container.get("output") or {}).get("formats", []))}
    return digest(shaping, __version__)


def input_path(cfg: DictConfig) -> Path:
    return Path(cfg.input.path).expanduser() if cfg.input.path else SAMPLE_DIR


class Runner:
    """Summarizes every cluster of ``cfg.input.path`` into ``cfg.output.dir``, resumably.

    ``run(cfg)`` is the short way (an example is there); ``Runner(cfg, executor=...)`` picks
    the executor in code instead of ``cfg.runner``.
    """

    def __init__(
        self,
        cfg: DictConfig,
        executor: Executor | None = None,
        on_locked: Callable[[Path], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.output_dir = Path(cfg.output.dir)
        self.input_path = input_path(cfg)
        runner_cfg = cfg.get("runner")
        self.executor = executor or (instantiate(runner_cfg) if runner_cfg else LocalExecutor())
        self.on_locked = on_locked
        self.settings = cfg.get("run") or {}
        self._stop: str | None = None

    def _history_wanted(self) -> bool:
        """Nightly runs with ``update=auto``: a story briefed on an earlier night gets an update."""
        node = self.cfg.get("update")
        if not self.cfg.get("night") or not node:
            return False
        return bool(instantiate(node).uses_history)

    def _with_history(self, cluster: Cluster) -> Cluster:
        """The cluster as an update of its newest briefing from an earlier night, if any.

        Articles whose text that briefing was made from are what the reader has read; the rest
        are new. A story with nothing new gets a full briefing again, with a warning.
        """
        if cluster.has_previous:  # the input says itself what was read
            return cluster
        found = previous_result(self.output_dir.parent, str(self.cfg.night), cluster.id)
        if found is None:
            return cluster
        night, result = found
        seen = set(result.article_digests)
        old = tuple(a for a in cluster.articles if text_digest(a.text) in seen)
        new = tuple(a for a in cluster.articles if text_digest(a.text) not in seen)
        if not new:
            note = f"no new article since the briefing of {night}; this is the full briefing again"
            return dataclasses.replace(cluster, warnings=(*cluster.warnings, note))
        shown = tuple(s["text"] for s in json.loads(result.record)["sentences"])
        return dataclasses.replace(
            cluster, articles=new, previous_articles=old, previous_summary=shown, since=night
        )

    def run(self) -> RunReport:
        with RunLock(self.output_dir):
            if self.on_locked is not None:
                self.on_locked(self.output_dir)
            with _stop_on_sigterm(self):
                return self._run_locked()

    def request_stop(self, reason: str) -> None:
        self._stop = reason

    def _run_locked(self) -> RunReport:
        started = time.perf_counter()
        config = OmegaConf.to_container(self.cfg, resolve=True)
        manifest = Manifest(
            status="running",
            started=now(),
            config=config,
            input={"path": str(self.input_path)},
            environment=environment(),
        )
        manifest.write(self.output_dir)
        expected = _expected_clusters(self.input_path, self.cfg.input.limit)
        folder = RunFolder(
            self.output_dir, shard=expected > int(self.settings.get("shard_over", 2000))
        )
        worker = ClusterWorker(config)
        config_key = config_fingerprint(config)
        ledger = _Ledger()
        report = RunReport(self.output_dir, manifest)
        force = bool(self.settings.get("force", False))
        progress = _Progress(expected, str(self.settings.get("progress", "auto")))
        try:
            tasks = self._plan(folder, config_key, force, ledger, progress, self._history_wanted())
            for outcome in self.executor.map(worker, tasks):
                self._store(folder, outcome, ledger)
                progress.step(outcome.result)
            if self._stop:
                raise Interrupted(self._stop)
        except BaseException as error:
            manifest.status = "interrupted" if _is_interruption(error) else "failed"
            if manifest.status == "interrupted":
                manifest.interrupted = f"{type(error).__name__}: {error}".rstrip(": ")
            else:
                manifest.error = f"{type(error).__name__}: {error}"
            raise
        else:
            manifest.status = "failed" if ledger.failures else "ok"
        finally:
            progress.close()
            report.metrics = self._merge(folder, ledger, manifest)
            finished = manifest.status in ("ok", "failed") and manifest.error is None
            if finished and self.settings.get("prune", True):
                folder.prune(keep=set(ledger.order))
            self._finish(manifest, ledger, worker, started)
        return report

    def _plan(
        self,
        folder: RunFolder,
        config_key: str,
        force: bool,
        ledger: _Ledger,
        progress: _Progress,
        history: bool,
    ) -> Iterator[tuple[Cluster, str]]:
        """The clusters still to do; read failures and complete clusters are recorded here."""
        for position, item in enumerate(
            islice(read_clusters(self.input_path, max_bytes=self.cfg.input.max_bytes),
                   self.cfg.input.limit)
        ):  # fmt: skip
            if self._stop:
                return
            if isinstance(item, ClusterFailure):
                ledger.fail(position, item.id, item.source, item.reason)
                progress.step(None)
                continue
            if history:
                item = self._with_history(item)
            key = digest(cluster_fingerprint(item), config_key)
            stored = None if force else folder.load(item.id, key)
            if stored is not None:
                ledger.succeed(position, stored, skipped=True)
                progress.step(stored, skipped=True)
                continue
            ledger.expect(position, item.id)
            yield item, key

    def _store(self, folder: RunFolder, outcome: ClusterOutcome, ledger: _Ledger) -> None:
        """Writes a finished cluster's files, then its completion marker (the result file)."""
        result = outcome.result
        position = ledger.position_of(result.id)
        if not result.ok:
            ledger.fail(position, result.id, result.source, result.failure or "failed")
            return
        result.files = []
        for suffix, text in outcome.rendered.items():
            path = folder.briefing_path(result.id, suffix)
            atomic_write(path, text)
            result.files.append(str(path.relative_to(folder.root)))
        folder.save(result)
        ledger.succeed(position, result, skipped=False)

    def _merge(self, folder: RunFolder, ledger: _Ledger, manifest: Manifest) -> dict | None:
        """``summaries.jsonl``, ``metrics.json`` and ``index.html`` from the stored results."""
        entries: list[IndexEntry] = []
        scores: list[dict] = []
        with atomic_writer(self.output_dir / "summaries.jsonl") as out:
            for position in sorted(ledger.order.values()):
                cluster_id = ledger.ids[position]
                failure = ledger.failures.get(position)
                if failure is not None:
                    entries.append(IndexEntry(id=cluster_id, failure=failure["reason"]))
                    continue
                result = ledger.results.get(position)
                if result is None:  # not reached before an interruption
                    continue
                out.write(result.record.encode("utf-8") + b"\n")
                entries.append(
                    IndexEntry.from_record(json.loads(result.record), result.files, result.articles)
                )
                if result.scores is not None:
                    scores.append({"id": cluster_id, **result.scores})
        metrics_path = self.output_dir / "metrics.json"
        metrics = None
        if scores:
            metrics = {
                "clusters_scored": len(scores),
                "budget_words": self.cfg.budget.words,
                "mean": mean_scores([{k: v for k, v in s.items() if k != "id"} for s in scores]),
                "per_cluster": scores,
            }
            write_json(metrics_path, metrics)
        else:
            metrics_path.unlink(missing_ok=True)  # it would describe another run
        if "html" in self.cfg.output.formats:
            title = self.settings.get("title") or f"Briefings, {self.output_dir.name}"
            atomic_write(self.output_dir / "index.html", render_index(entries, title, manifest))
        latest = self.settings.get("latest_link")
        if latest:
            _point_latest(self.output_dir, str(latest))
        manifest.metrics = metrics["mean"] if metrics else None
        return metrics

    def _finish(self, manifest: Manifest, ledger: _Ledger, worker: ClusterWorker, started: float):
        elapsed = time.perf_counter() - started
        counts = manifest.counts
        counts.clusters = len(ledger.order)
        counts.done = ledger.done
        counts.skipped = ledger.skipped
        counts.failed = len(ledger.failures)
        counts.articles = sum(r.articles for r in ledger.results.values())
        counts.words = sum(r.words for r in ledger.results.values())
        manifest.failures = [ledger.failures[p] for p in sorted(ledger.failures)]
        manifest.warnings = [
            {"id": r.id, "warning": w}
            for _, r in sorted(ledger.results.items())
            for w in r.warnings
        ]
        counts.warnings = len(manifest.warnings)
        manifest.input["files"] = {str(p): _sha256(p) for p in input_files(self.input_path)}
        manifest.timings = {
            "total_seconds": round(elapsed, 3),
            "clusters_per_second": round(counts.clusters / elapsed, 3) if elapsed else None,
            "stages_seconds": {k: round(v, 3) for k, v in sorted(ledger.timings.items())},
            "peak_rss_mb": peak_rss_mb(),
        }
        workers = getattr(self.executor, "stats", lambda: None)()
        if workers:  # worker processes or actors: their own load time and memory
            manifest.timings["workers"] = workers
        manifest.embedding_cache = _cache_use(worker.config, ledger)
        manifest.finished = now()
        manifest.write(self.output_dir)


class _Ledger:
    """What happened to each cluster of the input, by input position."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}
        self.ids: dict[int, str] = {}
        self.results: dict[int, ClusterResult] = {}
        self.failures: dict[int, dict] = {}
        self.timings: dict[str, float] = {}
        self.done = 0
        self.skipped = 0
        self.from_cache = 0
        self.cache_use: dict[str, int] = {}

    def expect(self, position: int, cluster_id: str) -> None:
        self.order[cluster_id] = position
        self.ids[position] = cluster_id

    def position_of(self, cluster_id: str) -> int:
        return self.order[cluster_id]

    def fail(self, position: int, cluster_id: str, source: str, reason: str) -> None:
        self.expect(position, cluster_id)
        log.error("cluster %s failed (%s): %s", cluster_id, source, reason)
        self.failures[position] = {"id": cluster_id, "source": source, "reason": reason}

    def succeed(self, position: int, result: ClusterResult, skipped: bool) -> None:
        self.expect(position, result.id)
        self.results[position] = result
        if skipped:
            self.skipped += 1
            return
        self.done += 1
        self.from_cache += int(result.from_cache)
        for name, count in result.cache_use.items():
            self.cache_use[name] = self.cache_use.get(name, 0) + count
        for stage, seconds in result.timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds
        for warning in result.warnings:
            log.warning("%s: %s", result.id, warning)


class _Progress:
    """A progress bar on a terminal; one log line per cluster elsewhere (cron, journald)."""

    def __init__(self, total: int, mode: str) -> None:
        self.bar = None
        if mode == "bar" or (mode == "auto" and sys.stderr.isatty()):
            from tqdm import tqdm

            self.bar = tqdm(total=total or None, unit="cluster", dynamic_ncols=True)

    def step(self, result: ClusterResult | None, skipped: bool = False) -> None:
        if self.bar is not None:
            self.bar.update(1)
            return
        if result is None or not result.ok:
            return
        if skipped:
            log.info("cluster %s: complete already, skipped", result.id)
        else:
            log.info(
                "cluster %s: %d words from %d articles (%.2f s)",
                result.id,
                result.words,
                result.articles,
                result.seconds,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_interruption(error: BaseException) -> bool:
    return isinstance(error, KeyboardInterrupt | Interrupted)


class _stop_on_sigterm:
    """SIGTERM (systemd, Kubernetes, schedulers) stops the run after the current cluster."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.previous = None

    def __enter__(self) -> None:
        if _in_main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        log.warning("SIGTERM: stopping after the current cluster")
        self.runner.request_stop("SIGTERM")

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _expected_clusters(path: Path, limit: int | None) -> int:
    """A cheap count for the progress bar and the sharding decision (no parsing)."""
    try:
        count = count_clusters(path)
    except OSError:
        count = 0
    return min(count, limit) if limit is not None else count


def _point_latest(output_dir: Path, name: str) -> None:
    """``<parent>/<name>`` becomes a symlink to this run's folder, replaced atomically."""
    link = output_dir.parent / name
    temporary = output_dir.parent / f".{name}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(output_dir.name)
    os.replace(temporary, link)


def _cache_counts(embedder: object) -> dict[str, int]:
    """The embedder's running cache counters (none for an embedder without a cache)."""
    if getattr(embedder, "cache_dir", None) is None:
        return {}
    return {
        "hits": embedder.cache_hits,
        "misses": embedder.cache_misses,
        "repaired": getattr(embedder, "cache_repaired", 0),
    }


def _cache_use(config: dict, ledger: _Ledger) -> dict | None:
    """What the embedding cache answered, summed over the clusters done in this run by any
    worker: the time of that work is not in this run's timings."""
    cache_dir = (config.get("embedder") or {}).get("cache_dir")
    if not cache_dir:
        return None
    use = {"hits": 0, "misses": 0, "repaired": 0, **ledger.cache_use}
    directory = str(Path(cache_dir).expanduser())
    return {"dir": directory, **use, "clusters_from_cache": ledger.from_cache}


def _sha256(path: Path) -> str:
    import hashlib

    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run(cfg: DictConfig, **options) -> RunReport:
    """Summarizes every cluster of ``cfg.input.path`` into ``cfg.output.dir``.

    ``python -m summarize`` from Python: compose the configuration with any overrides, then run
    (``options`` go to ``Runner``)::

        from summarize.cli import compose_config
        from summarize.runner import run

        cfg = compose_config("input.path=clusters.jsonl", "output.dir=out", "budget.words=100")
        report = run(cfg)  # resumable: run it again after an interruption
        print(report.succeeded, "briefings in", report.output_dir)
        print(report.failures)  # one entry, with its reason, per cluster that failed
    """
    return Runner(cfg, **options).run()
