"""Runs a batch: decides what to summarize, skips what is complete, isolates failures, merges.

The per-cluster work is ``worker.ClusterWorker``: a picklable callable built from the resolved
configuration that turns one cluster into a ``ClusterOutcome``. An executor (``executor`` config
group, ``executors/``) decides where workers run; the driver here decides what runs, hands each
finished cluster to the store's ``ResultBatch`` and decides when the batch is flushed to disk
(``run.flush_every`` clusters or ``run.flush_seconds``, whichever comes first, and whenever the
run ends), and merges ``summaries.jsonl``, ``metrics.json``, the night's ``index.html`` and the
manifest at the end.

Programmatic use (compose the configuration as the command line does: ``cli.compose_config``)::

    from summarize.cli import compose_config
    from summarize.run.driver import run

    report = run(compose_config("input.path=clusters.jsonl", "output.dir=out"))
    print(report.succeeded, report.failed, report.output_dir)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from summarize import __version__
from summarize.config import RunConfig
from summarize.data import Cluster
from summarize.output.evaluate import mean_scores
from summarize.output.index import IndexEntry, render_index
from summarize.pipeline import peak_rss_mb
from summarize.run.executors.base import Executor
from summarize.run.executors.local import LocalExecutor, in_main_thread
from summarize.run.following import (
    follow_night,
    linked_pages,
    night_stories,
    pages_root,
    with_page_links,
    with_story_page,
)
from summarize.run.history import earlier_nights, wants_history, with_history
from summarize.run.ledger import Ledger
from summarize.run.manifest import Manifest, environment, now, stale_manifest
from summarize.run.progress import Progress
from summarize.run.store import (
    ResultBatch,
    RunFolder,
    RunLock,
    atomic_write,
    atomic_writer,
    cluster_fingerprint,
    digest,
    full_disk_path,
    is_disk_full,
    new_run_id,
    write_json,
)
from summarize.run.stories import GroupedNight, group_night, write_stories
from summarize.run.worker import MAX_KILLS, ClusterOutcome, ClusterWorker, crashed, killed
from summarize.stages.ingest import ClusterFailure, count_clusters, input_files, read_clusters

log = logging.getLogger("summarize")

SAMPLE_DIR = Path(__file__).parents[1] / "sample"

MAX_STARTS = 2
"""A cluster in flight when runs died of a native fault (a segfault in a native library) this
many times is recorded as failed instead of started again: the night ends within
``MAX_STARTS + 1`` starts of the same command, every other cluster briefed. Runs killed with no
fault recorded (SIGKILL, the OOM killer, a power cut) count against ``worker.MAX_KILLS``."""

VOLATILE_KEYS = ("input", "run", "executor", "cache_dir", "night", "hydra")
"""Configuration that never changes a cluster's result: where things are read and written,
how the run is driven, and the cache (it returns what a fresh computation would)."""


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
    the executor in code instead of ``cfg.executor``.
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
        chosen = cfg.get("executor")
        self.executor = executor or (instantiate(chosen) if chosen else LocalExecutor())
        self.on_locked = on_locked
        self.settings = cfg.get("run") or {}
        self._stop: str | None = None
        self._running: dict[str, str] = {}
        """Clusters handed to the executor and not stored yet: id to key."""
        self.grouped: GroupedNight | None = None
        """``group=stories``: the night's stories, once the inbox has been grouped."""
        self.pages = pages_root(cfg)
        """Nightly stories runs: the root whose story pages and feed the night updates."""
        self.page_links = linked_pages(cfg)
        """Where briefings and the index link their stories' pages (nights and catch-ups)."""

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
            previous_run=stale_manifest(self.output_dir),
        )
        if manifest.previous_run is not None:
            log.warning("the previous run into %s (started %s) %s; this run finishes its work",
                        self.output_dir, manifest.previous_run["started"],
                        manifest.previous_run["status"])  # fmt: skip
        manifest.write(self.output_dir)
        expected = _expected_clusters(self.input_path, self.cfg.input.limit)
        folder = RunFolder(
            self.output_dir,
            shard=expected > int(self.settings.get("shard_over", 2000)),
            run=new_run_id(),
        )
        removed = folder.remove_partial_writes()
        if removed:
            log.warning("removed %d temporary files left by a run killed mid-write", removed)
        lines, records = folder.compact_starts()
        log.debug("starts ledger: %d lines of cleared starts and %d fault records removed",
                  lines, records)  # fmt: skip
        with folder.fault_record():
            return self._work(folder, manifest, config, expected, started)

    def _work(
        self, folder: RunFolder, manifest: Manifest, config: dict, expected: int, started: float
    ) -> RunReport:
        worker = ClusterWorker(config)
        config_key = config_fingerprint(config)
        ledger = Ledger()
        report = RunReport(self.output_dir, manifest)
        force = bool(self.settings.get("force", False))
        progress = Progress(expected, str(self.settings.get("progress", "auto")))
        batch = ResultBatch(folder)
        every = int(self.settings.get("flush_every", RunConfig.flush_every))
        seconds = float(self.settings.get("flush_seconds", RunConfig.flush_seconds))
        ending: BaseException | None = None
        try:
            tasks = self._plan(batch, config_key, force, ledger, progress, wants_history(self.cfg))
            for outcome in self.executor.map(worker, tasks, on_start=self._started(folder)):
                self._store(batch, outcome, ledger)
                progress.step(outcome.result)
                if len(batch) >= every or batch.since_flush() >= seconds:
                    batch.flush()
            batch.flush()
            if self._stop:
                raise Interrupted(self._stop)
        except BaseException as error:
            ending = error
            self._forget_running(folder, error)
            _flush_after(batch, error)
            if is_disk_full(error):
                manifest.status, manifest.interrupted = "interrupted", disk_full(error)
            elif _is_interruption(error):
                manifest.status = "interrupted"
                manifest.interrupted = f"{type(error).__name__}: {error}".rstrip(": ")
            else:
                manifest.status, manifest.error = "failed", f"{type(error).__name__}: {error}"
            raise
        else:
            manifest.status = "failed" if ledger.failures else "ok"
        finally:
            progress.close()
            self._wrap_up(folder, ledger, manifest, worker, started, report, ending)
        return report

    def _wrap_up(
        self,
        folder: RunFolder,
        ledger: Ledger,
        manifest: Manifest,
        worker: ClusterWorker,
        started: float,
        report: RunReport,
        ending: BaseException | None,
    ) -> None:
        """The merged files, then the final manifest, whatever ended the run.

        On a full disk each is written if it fits: the merge may not, and the small manifest
        still may. A manifest that cannot be written keeps saying ``running``; the next start
        (which holds the lock, so the run that wrote it is dead) reports it as stale. A full
        disk met here, by a run that was otherwise ending well, is raised after the manifest.
        """
        full: OSError | None = None
        try:
            report.metrics = self._merge(folder, ledger, manifest)
            self._follow(ledger)
            finished = manifest.status in ("ok", "failed") and manifest.error is None
            if finished and self.settings.get("prune", True):
                folder.prune(keep=set(ledger.order))
        except OSError as error:
            if not is_disk_full(error):
                raise
            full = error
            if ending is None:
                manifest.status, manifest.interrupted = "interrupted", disk_full(error)
        try:
            self._finish(manifest, ledger, worker, started)
        except OSError as error:
            if not is_disk_full(error):
                raise
            full = full or error
        if full is not None and ending is None:
            raise full

    def _started(self, folder: RunFolder):
        """What the executor calls as a worker begins a cluster: its start is noted on disk."""

        def note(cluster: Cluster, key: str) -> None:
            folder.record_start(cluster.id, key)
            self._running[cluster.id] = key

        return note

    def _forget_running(self, folder: RunFolder, error: BaseException) -> None:
        """The clusters in flight when the run stopped by itself did not take it down. On a
        full disk the note may not fit: they then count as killed once, not as crashed."""
        try:
            folder.forget_starts(self._running)
        except OSError as failure:
            if not is_disk_full(failure):
                raise
            log.debug("clusters in flight not cleared (%s): %s", type(error).__name__, failure)

    def _plan(
        self,
        batch: ResultBatch,
        config_key: str,
        force: bool,
        ledger: Ledger,
        progress: Progress,
        history: bool,
    ) -> Iterator[tuple[Cluster, str]]:
        """The clusters still to do; read failures, complete clusters and clusters that runs
        died on too often (``MAX_STARTS`` crashes, ``MAX_KILLS`` kills) are recorded here.

        Each cluster's start is noted as a worker begins it (``_started``), whatever the
        executor: that is how a cluster in flight when the run's process died is recognised
        by the next start, and the process's fault record tells a crash from a kill (the
        executors' worker supervision sees how workers die; this covers the run itself).
        Before a cluster that a run died on is started again, the finished clusters waiting in
        the batch are flushed, so that only the suspect is lost if it happens again."""
        folder = batch.folder
        deaths = {} if force else folder.unfinished_starts()
        inputs = islice(self._inputs(), self.cfg.input.limit)  # with stories: groups the night
        nights = earlier_nights(self.output_dir.parent, str(self.cfg.night)) if history else []
        # With stories, only a story that continues an earlier one has a history to look up.
        continuing = (
            {s["id"] for s in self.grouped.stories if s["continues_since"]}
            if self.grouped is not None
            else None
        )
        for position, item in enumerate(inputs):
            if self._stop:
                return
            if isinstance(item, ClusterFailure):
                ledger.fail(position, item.id, item.source, item.reason)
                progress.step(None)
                continue
            if history and (continuing is None or item.id in continuing):
                earlier = self.grouped.history.get(item.id, ()) if self.grouped else ()
                item = with_history(item, nights, earlier)
            if self.page_links is not None:
                item = with_story_page(
                    item, folder.briefing_path(item.id, ".html"), self.page_links
                )
            key = digest(cluster_fingerprint(item), config_key)
            stored = None if force else folder.load(item.id, key)
            if stored is not None:
                ledger.succeed(position, stored, skipped=True)
                progress.step(stored, skipped=True)
                continue
            died = deaths.get((item.id, key))
            if died and (died.crashes >= MAX_STARTS or died.kills >= MAX_KILLS):
                reason = (
                    crashed(died.crashes, died.signal)
                    if died.crashes >= MAX_STARTS
                    else killed(died.kills)
                )
                ledger.fail(position, item.id, item.source, reason)
                progress.step(None)
                continue
            if died:
                batch.flush()
            ledger.expect(position, item.id)
            yield item, key

    def _inputs(self) -> Iterator[Cluster | ClusterFailure]:
        """The clusters to summarize: read as they are, or (``group=stories``) the stories
        that the night's loose articles form."""
        if not self.cfg.get("group"):
            return read_clusters(self.input_path, max_bytes=self.cfg.input.max_bytes)
        started = time.perf_counter()
        self.grouped = group_night(self.cfg, self.input_path)
        self.grouped.report["seconds"] = round(time.perf_counter() - started, 3)
        write_stories(self.output_dir, self.grouped.stories)
        return self.grouped.items()

    def _store(self, batch: ResultBatch, outcome: ClusterOutcome, ledger: Ledger) -> None:
        """Hands a finished cluster to the batch: its files and completion marker are written
        when the batch is flushed."""
        result = outcome.result
        key = self._running.pop(result.id, None)
        if key is not None:  # finished (or failed) without taking the process down
            batch.folder.forget_starts({result.id: key})
        position = ledger.position_of(result.id)
        if not result.ok:
            ledger.fail(position, result.id, result.source, result.failure or "failed")
            return
        batch.add(result, outcome.rendered)
        ledger.succeed(position, result, skipped=False)

    def _merge(self, folder: RunFolder, ledger: Ledger, manifest: Manifest) -> dict | None:
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
        if self.page_links is not None:
            entries = with_page_links(entries, self.output_dir, self.page_links)
        if self.grouped is not None:
            entries = _stories_first(entries, self.grouped.stories)
            manifest.stories = self.grouped.report
            scores = self.grouped.report.get("scores")
            if scores is not None:
                metrics = {**(metrics or {}), "grouping": scores}
                write_json(metrics_path, metrics)
        if "html" in self.cfg.output.formats:
            title = self.settings.get("title") or f"Briefings, {self.output_dir.name}"
            atomic_write(self.output_dir / "index.html", render_index(entries, title, manifest))
        latest = self.settings.get("latest_link")
        if latest:
            _point_latest(self.output_dir, str(latest))
        manifest.metrics = metrics.get("mean") if metrics else None
        return metrics

    def _follow(self, ledger: Ledger) -> None:
        """Nightly stories runs: the pages of tonight's stories and the feed
        (``following.py``). A failure there is logged, never lost briefings."""
        if self.pages is None or self.grouped is None:
            return
        try:
            stories = night_stories(self.grouped, ledger)
            follow_night(self.pages, str(self.cfg.night), self.output_dir, stories,
                         dict(self.cfg.output.feed))  # fmt: skip
        except (OSError, ValueError) as error:
            if is_disk_full(error):
                raise  # a clear stop (``_wrap_up``); the next run writes the pages
            log.error("story pages and feed not updated: %s: %s", type(error).__name__, error)

    def _finish(self, manifest: Manifest, ledger: Ledger, worker: ClusterWorker, started: float):
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
        manifest.embedding_cache = ledger.cache_report(worker.config)
        manifest.finished = now()
        manifest.write(self.output_dir)


def _stories_first(entries: list[IndexEntry], stories: list[dict]) -> list[IndexEntry]:
    """The night's index for ``group=stories``: failures first, then stories by size, then by
    recency (latest article date), each with its article and outlet counts."""
    by_id = {story["id"]: story for story in stories}

    def rank(entry: IndexEntry) -> tuple:
        story = by_id.get(entry.id)
        if story is None:
            return (0, 0, "", entry.id)
        latest = story.get("latest") or ""
        return (1, -len(story["articles"]), _descending(latest), entry.id)

    ranked = []
    for entry in sorted(entries, key=rank):
        story = by_id.get(entry.id)
        if story is not None:
            entry = dataclasses.replace(
                entry, articles=len(story["articles"]), outlets=story.get("outlets") or 0,
                since=entry.since or story.get("continues_since"),
            )  # fmt: skip
        ranked.append(entry)
    return ranked


def _descending(text: str) -> str:
    """A key that sorts strings in reverse (later dates first)."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _flush_after(batch: ResultBatch, error: BaseException) -> None:
    """Stores the clusters that finished before a stop or an error; a failure to do so is
    logged, and the error that ended the run is the one reported (they are redone next run)."""
    try:
        batch.flush()
    except Exception as failure:
        level = logging.DEBUG if is_disk_full(failure) else logging.ERROR  # said once, by the CLI
        log.log(level, "%d finished clusters not stored after %s: %s", len(batch),
                type(error).__name__, failure)  # fmt: skip


def disk_full(error: BaseException) -> str:
    """What a run stopped by a full disk says, in its manifest and on the command line."""
    where = full_disk_path(error) or "its output folder"
    return (
        f"the disk is full: could not write {where}; free space there and run the same "
        "command again to resume"
    )


def _is_interruption(error: BaseException) -> bool:
    return isinstance(error, KeyboardInterrupt | Interrupted)


class _stop_on_sigterm:
    """SIGTERM (systemd, Kubernetes, schedulers) stops the run after the current cluster."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.previous = None

    def __enter__(self) -> None:
        if in_main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        log.warning("SIGTERM: stopping after the current cluster")
        self.runner.request_stop("SIGTERM")

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


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


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def run(cfg: DictConfig, **options) -> RunReport:
    """Summarizes every cluster of ``cfg.input.path`` into ``cfg.output.dir``.

    ``python -m summarize`` from Python: compose the configuration with any overrides, then run
    (``options`` go to ``Runner``)::

        from summarize.cli import compose_config
        from summarize.run.driver import run

        cfg = compose_config("input.path=clusters.jsonl", "output.dir=out", "budget.words=100")
        report = run(cfg)  # resumable: run it again after an interruption
        print(report.succeeded, "briefings in", report.output_dir)
        print(report.failures)  # one entry, with its reason, per cluster that failed
    """
    return Runner(cfg, **options).run()
