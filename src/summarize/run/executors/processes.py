"""``executor=processes``: a pool of worker processes on this machine, one pipe and one
cluster each, supervised by ``base.PoolExecutor``."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, ClassVar

from summarize.data import Cluster
from summarize.params import Constraint, OneOf
from summarize.run.executors.base import Death, PoolExecutor, worker_threads
from summarize.run.worker import ClusterWorker, limit_threads, run_cluster, start_worker

START_METHODS = ("spawn", "forkserver")


class ProcessExecutor(PoolExecutor):
    """A pool of worker processes on this machine (``executor=processes executor.workers=N``).

    ``limits`` are the pool's (``workers``, ``threads``, ``timeout_s``, ``max_tries``).
    ``workers`` null uses every core; ``threads`` null gives each worker an equal share of the
    cores. ``start_method`` is ``spawn`` or ``forkserver``: a fresh interpreter per worker, never a
    fork of a process whose torch or ONNX Runtime threads may hold locks.
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **PoolExecutor.constraints,
        "start_method": OneOf(START_METHODS),
    }

    def __init__(self, start_method: str = "spawn", **limits) -> None:
        self.start_method = start_method
        super().__init__(**limits)

    def _open(self) -> tuple[Any, int, int]:
        cores = os.cpu_count() or 1
        workers = self.workers or cores
        threads = worker_threads(cores, workers, self.threads)
        return ProcessBackend(self.start_method, threads), workers, threads


@dataclass(eq=False)
class _Process:
    process: Any
    connection: Connection

    def describe(self) -> Death:
        """How the process ended: a SIGKILL leaves no fault (the OOM killer, an operator);
        a fatal signal of its own or an exit the driver did not ask for is a crash."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is None:
            return Death("stopped answering")
        if code < 0:
            name = signal.Signals(-code).name
            return Death(f"killed by {name}", fault=-code != signal.SIGKILL)
        return Death(f"exit code {code}")


def serve(connection: Connection, worker: ClusterWorker, threads: int) -> None:
    """A worker process: loads the model once, then summarizes what the driver sends."""
    # Ctrl-C and SIGTERM reach the whole process group: the driver decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    limit_threads(threads)
    event = start_worker(worker)
    connection.send(event)
    if event[0] == "fatal":
        return
    while True:
        try:
            message = connection.recv()
        except EOFError:  # the driver is gone
            return
        if message is None:
            return
        connection.send(run_cluster(worker, *message))


class ProcessBackend:
    """Starts, feeds, watches and ends worker processes for the pool's supervisor."""

    def __init__(self, start_method: str, threads: int) -> None:
        self.context = multiprocessing.get_context(start_method)
        self.threads = threads

    def start(self, worker: ClusterWorker, number: int) -> _Process:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=serve,
            args=(theirs, worker, self.threads),
            name=f"summarize-worker-{number}",
            daemon=True,
        )
        process.start()
        theirs.close()
        return _Process(process, ours)

    def submit(self, handle: _Process, cluster: Cluster, key: str) -> None:
        with contextlib.suppress(OSError):  # it died meanwhile: its sentinel tells at the next wait
            handle.connection.send((cluster, key))

    def wait(self, handles: list[_Process], timeout: float | None) -> list[tuple]:
        owners: dict[Any, _Process] = {}
        for handle in handles:
            owners[handle.connection] = handle
            owners[handle.process.sentinel] = handle
        events = []
        answered: set[int] = set()
        for ready in wait(list(owners), timeout):
            handle = owners[ready]
            if id(handle) in answered:
                continue
            answered.add(id(handle))
            try:
                event = handle.connection.recv() if handle.connection.poll() else None
            except (EOFError, OSError):
                event = None
            events.append((handle, *event) if event else (handle, "died", handle.describe()))
        return events

    def kill(self, handle: _Process) -> None:
        handle.process.kill()
        handle.process.join(timeout=10)
        handle.connection.close()

    def stop(self, handle: _Process) -> None:
        with contextlib.suppress(OSError):
            handle.connection.send(None)
        handle.process.join(timeout=10)
        if handle.process.is_alive():
            handle.process.kill()
            handle.process.join(timeout=10)
        handle.connection.close()

    def close(self) -> None:
        """Nothing beyond the processes, each ended by ``stop`` or ``kill``."""
