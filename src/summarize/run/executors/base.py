"""What every executor shares: the ``Executor`` protocol, and the supervision of a worker pool.

The driver (``run.driver.Runner``) decides what runs and stores every result; an executor only
decides where: in this process (``local``), in worker processes on this machine
(``processes``) or in Ray actors (``ray``). In a pool, each worker builds the
``ClusterWorker`` once and keeps its model loaded, holds one cluster at a time (so memory stays
bounded however long the input), and answers with the cluster's ``ClusterOutcome``. A worker
that dies (killed, crashed, out of memory) is replaced and its cluster tried again, up to
``max_tries`` times; a cluster still running after ``timeout_s`` has its worker killed and
replaced and is recorded as failed.

``concurrent.futures.ProcessPoolExecutor`` is not used: when one of its processes dies it
breaks the whole pool without saying which task killed it, and it cannot stop one task, so
neither the retry nor the time limit could be attributed to a cluster.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from summarize.data import Cluster
from summarize.params import Constraint, Interval, check_params
from summarize.run.worker import MAX_KILLS, ClusterOutcome, ClusterWorker, crashed, killed

log = logging.getLogger("summarize")

TIMEOUT = Interval(0, None, closed="neither", allow_none=True)
"""``executor.timeout_s``: seconds a cluster may run before it is recorded as failed; null: no
limit."""


OnStart = Callable[[Cluster, str], None]
"""Called with a cluster and its key just before a worker begins it, once a run: the driver
notes the start then, so a run that dies while a worker is still loading charges no cluster."""


class Executor(Protocol):
    """Where clusters are summarized: ``map`` yields one outcome per task, in any order, and
    calls ``on_start`` as each task is handed to a worker that is ready for it."""

    def map(
        self,
        worker: ClusterWorker,
        tasks: Iterable[tuple[Cluster, str]],
        on_start: OnStart | None = None,
    ) -> Iterator[ClusterOutcome]: ...


@dataclass(frozen=True)
class Death:
    """How a worker died, as its backend saw it: ``fault`` unless it was killed with nothing
    recorded (SIGKILL: the OOM killer, an operator), which counts against ``MAX_KILLS``."""

    how: str
    fault: bool = True

    def __str__(self) -> str:
        return self.how


def timed_out(seconds: float) -> str:
    """The failure recorded for a cluster over ``executor.timeout_s``, whatever the executor."""
    return f"timed out after {seconds:g} s"


def with_threads(worker: ClusterWorker, threads: int) -> ClusterWorker:
    """The same worker with ``threads`` intra-op threads for an embedder left on automatic.

    Threads only decide how fast a sentence is embedded, never its vector (the ONNX batches
    run on one thread each), so the result and the cluster's completion key do not change.
    """
    embedder = worker.config.get("embedder")
    if not isinstance(embedder, dict) or "threads" not in embedder or embedder["threads"]:
        return worker
    return ClusterWorker({**worker.config, "embedder": {**embedder, "threads": threads}})


@dataclass
class _Task:
    cluster: Cluster
    key: str
    tries: int = 0
    crashes: int = 0
    kills: int = 0


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

    constraints: ClassVar[dict[str, Constraint]] = {
        "workers": Interval(1, integer=True, allow_none=True),
        "threads": Interval(1, integer=True, allow_none=True),
        "timeout_s": TIMEOUT,
        "max_tries": Interval(1, integer=True),
    }

    def __init__(
        self,
        workers: int | None = None,
        threads: int | None = None,
        timeout_s: float | None = 600,
        max_tries: int = 3,
    ) -> None:
        self.workers = workers
        self.threads = threads
        self.timeout_s = timeout_s
        self.max_tries = max_tries
        check_params(self, "executor")
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
        self,
        worker: ClusterWorker,
        tasks: Iterable[tuple[Cluster, str]],
        on_start: OnStart | None = None,
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
                            self._submit(backend, slot, task, on_start)
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

    def _submit(self, backend, slot: _Slot, task: _Task, on_start: OnStart | None) -> None:
        if on_start is not None and not task.tries:
            on_start(task.cluster, task.key)
        task.tries += 1
        slot.task = task
        if self.timeout_s is not None:
            slot.deadline = time.perf_counter() + self.timeout_s
        backend.submit(slot.handle, task.cluster, task.key)

    def _retry_or_fail(
        self, task: _Task, retries: deque[_Task], death: Death
    ) -> ClusterOutcome | None:
        """A crash counts against ``max_tries``; a kill with no fault (the OOM killer) against
        the larger ``MAX_KILLS``: the cluster goes back in the queue until one is reached."""
        if death.fault:
            task.crashes += 1
        else:
            task.kills += 1
        if task.crashes >= self.max_tries:
            reason = crashed(task.crashes, death.how)
        elif task.kills >= MAX_KILLS:
            reason = killed(task.kills)
        else:
            log.warning("cluster %s: its worker died (%s); trying it again",
                        task.cluster.id, death)  # fmt: skip
            retries.append(task)
            return None
        log.error("cluster %s: %s", task.cluster.id, reason)
        return ClusterOutcome.failed(task.cluster, task.key, reason)

    @staticmethod
    def _wait_for(live: list[_Slot]) -> float | None:
        deadlines = [s.deadline for s in live if s.deadline is not None]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.perf_counter())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def worker_threads(cores: int, workers: int, threads: int | None) -> int:
    """Each worker's threads: as many as asked, else the cores shared equally."""
    return threads or max(1, cores // workers)
