"""Executors that spread clusters over worker processes (one machine) or Ray actors (many).

The driver (``runner.Runner``) decides what runs and stores every result; an executor only
decides where. Each worker builds the ``ClusterWorker`` once and keeps its model loaded, holds
one cluster at a time (so memory stays bounded however long the input), and answers with the
cluster's ``ClusterOutcome``. A worker that dies (killed, crashed, out of memory) is replaced
and its cluster tried again, up to ``max_tries`` times; a cluster still running after
``timeout_s`` has its worker killed and replaced and is recorded as failed.

``concurrent.futures.ProcessPoolExecutor`` is not used: when one of its processes dies it
breaks the whole pool without saying which task killed it, and it cannot stop one task, so
neither the retry nor the time limit could be attributed to a cluster.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from summarize.data import Cluster
from summarize.params import ParameterError
from summarize.pipeline import peak_rss_mb
from summarize.runner import ClusterOutcome, ClusterWorker, check_timeout, timed_out

log = logging.getLogger("summarize")

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
RAY_MISSING = "runner=ray needs Ray: pip install -e '.[ray]' (or pip install ray)"


def check_limits(workers: int | None, threads: int | None, timeout_s: float | None,
                 max_tries: int) -> None:  # fmt: skip
    """The shared parameters of the executors, checked once in their constructors."""
    for name, value in (("workers", workers), ("threads", threads)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ParameterError(f"runner.{name}={value}: give a positive whole number (or null)")
    check_timeout(timeout_s)
    if not isinstance(max_tries, int) or max_tries < 1:
        raise ParameterError(f"runner.max_tries={max_tries}: give a positive whole number, e.g. 3")


def with_threads(worker: ClusterWorker, threads: int) -> ClusterWorker:
    """The same worker with ``threads`` intra-op threads for an embedder left on automatic.

    Threads only decide how fast a sentence is embedded, never its vector (the ONNX batches
    run on one thread each), so the result and the cluster's completion key do not change.
    """
    embedder = worker.config.get("embedder")
    if not isinstance(embedder, dict) or "threads" not in embedder or embedder["threads"]:
        return worker
    return ClusterWorker({**worker.config, "embedder": {**embedder, "threads": threads}})


def limit_threads(threads: int) -> None:
    """Caps the math libraries of this (worker) process at ``threads`` threads."""
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # BLAS and OpenMP pools loaded before the variables were set


@dataclass
class _Task:
    cluster: Cluster
    key: str
    tries: int = 0


@dataclass
class _Slot:
    """One worker as the supervisor sees it."""

    handle: Any
    number: int
    started: float = field(default_factory=time.perf_counter)
    ready: bool = False
    task: _Task | None = None
    deadline: float | None = None
    clusters: int = 0
    peak_rss_mb: float | None = None
    load_seconds: float | None = None
    ended: str = "running"


class PoolExecutor:
    """The supervision shared by the process and Ray executors; a backend starts the workers.

    A backend provides ``start(worker, number) -> handle``, ``submit(handle, cluster, key)``,
    ``wait(handles, timeout) -> [(handle, event, payload)]`` with events ``ready`` (payload:
    peak memory in MB), ``done`` ((outcome, peak memory)), ``fatal`` (the error that stops the
    run) and ``died`` (a description), ``kill(handle)``, ``stop(handle)`` and ``close()``.
    """

    def __init__(
        self,
        workers: int | None = None,
        threads: int | None = None,
        timeout_s: float | None = 600,
        max_tries: int = 3,
    ) -> None:
        check_limits(workers, threads, timeout_s, max_tries)
        self.workers = workers
        self.threads = threads
        self.timeout_s = timeout_s
        self.max_tries = max_tries
        self._slots: list[_Slot] = []

    def stats(self) -> list[dict] | None:
        """Per worker: clusters done, model load time, peak memory, how it ended."""
        if not self._slots:
            return None
        return [
            {
                "worker": slot.number,
                "clusters": slot.clusters,
                "load_seconds": _round(slot.load_seconds),
                "peak_rss_mb": slot.peak_rss_mb,
                "ended": slot.ended,
            }
            for slot in self._slots
        ]

    def _open(self) -> tuple[Any, int, int]:
        """The backend, the number of workers and the threads of each."""
        raise NotImplementedError

    def map(
        self, worker: ClusterWorker, tasks: Iterable[tuple[Cluster, str]]
    ) -> Iterator[ClusterOutcome]:
        self._slots = []
        todo = iter(tasks)
        first = next(todo, None)
        if first is None:  # everything complete already: start no worker
            return
        backend, workers, threads = self._open()
        worker = with_threads(worker, threads)
        retries: deque[_Task] = deque([_Task(*first)])
        live: list[_Slot] = []
        exhausted = False
        startup_deaths = 0
        log.info("%s: %d workers with %d threads each", type(self).__name__, workers, threads)
        try:
            while True:
                while len(live) < workers and (retries or not exhausted):
                    live.append(self._start(backend, worker))
                for slot in live:
                    if slot.ready and slot.task is None:
                        task = retries.popleft() if retries else None
                        if task is None and not exhausted:
                            following = next(todo, None)
                            exhausted = following is None
                            task = None if following is None else _Task(*following)
                        if task is not None:
                            self._submit(backend, slot, task)
                if exhausted and not retries and not any(s.task for s in live):
                    return
                events = backend.wait([s.handle for s in live], self._wait_for(live))
                by_handle = {id(s.handle): s for s in live}
                for handle, event, payload in events:
                    slot = by_handle[id(handle)]
                    if event == "ready":
                        slot.ready = True
                        slot.load_seconds = time.perf_counter() - slot.started
                        slot.peak_rss_mb = payload
                    elif event == "done":
                        outcome, slot.peak_rss_mb = payload
                        slot.task, slot.deadline = None, None
                        slot.clusters += 1
                        yield outcome
                    elif event == "fatal":
                        raise RuntimeError(f"a worker could not load the pipeline: {payload}")
                    else:  # died
                        live.remove(slot)
                        slot.ended = f"died: {payload}"
                        if slot.task is None:
                            startup_deaths += 1
                            if startup_deaths > self.max_tries * workers:
                                raise RuntimeError(f"workers keep dying while starting: {payload}")
                            continue
                        outcome = self._retry_or_fail(slot.task, retries, payload)
                        if outcome is not None:
                            yield outcome
                now = time.perf_counter()
                for slot in [s for s in live if s.deadline is not None and s.deadline <= now]:
                    assert slot.task is not None and self.timeout_s is not None
                    log.error("cluster %s: %s; replacing its worker", slot.task.cluster.id,
                              timed_out(self.timeout_s))  # fmt: skip
                    backend.kill(slot.handle)
                    live.remove(slot)
                    slot.ended = "killed: time limit"
                    task = slot.task
                    yield ClusterOutcome.failed(task.cluster, task.key, timed_out(self.timeout_s))
        finally:
            for slot in live:
                if slot.task is None:
                    backend.stop(slot.handle)
                    slot.ended = "finished"
                else:
                    backend.kill(slot.handle)
                    slot.ended = "killed: run stopped"
            backend.close()

    def _start(self, backend, worker: ClusterWorker) -> _Slot:
        number = len(self._slots)
        slot = _Slot(backend.start(worker, number), number)
        self._slots.append(slot)
        return slot

    def _submit(self, backend, slot: _Slot, task: _Task) -> None:
        task.tries += 1
        slot.task = task
        if self.timeout_s is not None:
            slot.deadline = time.perf_counter() + self.timeout_s
        backend.submit(slot.handle, task.cluster, task.key)

    def _retry_or_fail(
        self, task: _Task, retries: deque[_Task], detail: str
    ) -> ClusterOutcome | None:
        if task.tries < self.max_tries:
            log.warning("cluster %s: its worker died (%s); trying again (%d of %d)",
                        task.cluster.id, detail, task.tries + 1, self.max_tries)  # fmt: skip
            retries.append(task)
            return None
        reason = f"worker died {task.tries} times"
        log.error("cluster %s: %s (last: %s)", task.cluster.id, reason, detail)
        return ClusterOutcome.failed(task.cluster, task.key, reason)

    @staticmethod
    def _wait_for(live: list[_Slot]) -> float | None:
        deadlines = [s.deadline for s in live if s.deadline is not None]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.perf_counter())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _worker_threads(cores: int, workers: int, threads: int | None) -> int:
    return threads or max(1, cores // workers)


class ProcessExecutor(PoolExecutor):
    """A pool of worker processes on this machine (``runner=processes runner.workers=N``).

    ``limits`` are the pool's (``workers``, ``threads``, ``timeout_s``, ``max_tries``).
    ``workers`` null uses every core; ``threads`` null gives each worker an equal share of the
    cores. ``start_method`` is ``spawn`` or ``forkserver``: a fresh interpreter per worker, never a
    fork of a process whose torch or ONNX Runtime threads may hold locks.
    """

    def __init__(self, start_method: str = "spawn", **limits) -> None:
        super().__init__(**limits)
        if start_method not in ("spawn", "forkserver"):
            raise ParameterError(f"runner.start_method={start_method}: give spawn or forkserver")
        self.start_method = start_method

    def _open(self) -> tuple[Any, int, int]:
        from summarize.process_pool import ProcessBackend

        cores = os.cpu_count() or 1
        workers = self.workers or cores
        threads = _worker_threads(cores, workers, self.threads)
        return ProcessBackend(self.start_method, threads), workers, threads


class RayExecutor(PoolExecutor):
    """Ray actors, each building the worker once (``runner=ray runner.workers=N``).

    ``address`` null starts a Ray instance on this machine for the run; ``auto`` or
    ``ray://host:port`` joins a running cluster. ``limits`` are the pool's; ``workers`` null:
    one per CPU of the cluster; ``threads`` null: the cluster's CPUs shared equally. Each actor
    reserves its threads as CPUs.
    """

    def __init__(self, address: str | None = None, **limits) -> None:
        super().__init__(**limits)
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ParameterError(RAY_MISSING) from None
        self.address = address

    def _open(self) -> tuple[Any, int, int]:
        from summarize.ray_pool import RayBackend, cluster_cpus, connect

        started = connect(self.address, self.workers, self.threads)
        cpus = cluster_cpus()
        workers = self.workers or cpus
        threads = _worker_threads(cpus, workers, self.threads)
        return RayBackend(threads, shutdown=started), workers, threads


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
    return "done", (worker(cluster, key), peak_rss_mb())
