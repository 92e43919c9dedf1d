"""``executor=ray``: Ray actors, each building the worker once and holding one cluster at a time.

Ray is optional (``pip install -e '.[ray]'``): without it the package works and only choosing
this executor fails, with the command that installs it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from summarize.data import Cluster
from summarize.params import ParameterError
from summarize.run.executors.base import Death, PoolExecutor, worker_threads
from summarize.run.worker import ClusterWorker, limit_threads, run_cluster, start_worker

try:
    import ray
    from ray.exceptions import RayError
except ImportError:  # the executor says what to install when it is chosen
    ray = None

RAY_MISSING = "executor=ray needs Ray: pip install -e '.[ray]' (or pip install ray)"


class RayExecutor(PoolExecutor):
    """Ray actors, each building the worker once (``executor=ray executor.workers=N``).

    ``address`` null starts a Ray instance on this machine for the run; ``auto`` or
    ``ray://host:port`` joins a running cluster. ``limits`` are the pool's; ``workers`` null:
    one per CPU of the cluster; ``threads`` null: the cluster's CPUs shared equally. Each actor
    reserves its threads as CPUs.
    """

    def __init__(self, address: str | None = None, **limits) -> None:
        super().__init__(**limits)
        if ray is None:
            raise ParameterError(RAY_MISSING)
        self.address = address

    def _open(self) -> tuple[Any, int, int]:
        started = connect(self.address, self.workers, self.threads)
        cpus = cluster_cpus()
        workers = self.workers or cpus
        threads = worker_threads(cpus, workers, self.threads)
        return RayBackend(threads, shutdown=started), workers, threads


def connect(address: str | None, workers: int | None, threads: int | None) -> bool:
    """Joins ``address`` or starts Ray on this machine; True when this run started it.

    A Ray instance already running in this process (a test, a notebook) is used as it is.
    """
    if ray.is_initialized():
        return False
    if address is None:
        cores = os.cpu_count() or 1
        # Actors reserve their threads as CPUs; more workers than cores is the user's choice.
        wanted = (workers or cores) * (threads or 1)
        ray.init(num_cpus=max(cores, wanted), include_dashboard=False,
                 logging_level=logging.WARNING)  # fmt: skip
    else:
        ray.init(address=address, logging_level=logging.WARNING)
    return True


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


class Actor:
    """What runs inside a Ray actor: the worker with its model loaded."""

    def __init__(self, worker: ClusterWorker, threads: int) -> None:
        limit_threads(threads)
        self.worker = worker

    def ready(self) -> tuple[str, Any]:
        return start_worker(self.worker)

    def run(self, cluster: Cluster, key: str) -> tuple[str, Any]:
        return run_cluster(self.worker, cluster, key)


@dataclass(eq=False)
class _Handle:
    actor: Any
    number: int


class RayBackend:
    """Starts, feeds, watches and ends actors for the pool's supervisor."""

    def __init__(self, threads: int, shutdown: bool) -> None:
        # No restarts and no task retries by Ray: the supervisor retries, and counts the tries.
        self.actor_class = ray.remote(num_cpus=threads, max_restarts=0, max_task_retries=0)(Actor)
        self.threads = threads
        self.shutdown = shutdown
        self.pending: dict[Any, _Handle] = {}

    def start(self, worker: ClusterWorker, number: int) -> _Handle:
        handle = _Handle(self.actor_class.remote(worker, self.threads), number)
        self.pending[handle.actor.ready.remote()] = handle
        return handle

    def submit(self, handle: _Handle, cluster: Cluster, key: str) -> None:
        self.pending[handle.actor.run.remote(cluster, key)] = handle

    def wait(self, handles: list[_Handle], timeout: float | None) -> list[tuple]:
        watched = {id(h) for h in handles}
        refs = [ref for ref, handle in self.pending.items() if id(handle) in watched]
        if not refs:
            return []
        ready, _ = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready:  # and whatever else has finished meanwhile
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        events = []
        for ref in ready:
            handle = self.pending.pop(ref)
            try:
                events.append((handle, *ray.get(ref)))
            except RayError as error:  # the actor died, or its process was lost
                name = type(error).__name__  # Ray's memory monitor: a kill, not a fault
                events.append((handle, "died", Death(name, fault=name != "OutOfMemoryError")))
        return events

    def _forget(self, handle: _Handle) -> None:
        for ref in [r for r, h in self.pending.items() if h is handle]:
            del self.pending[ref]

    def kill(self, handle: _Handle) -> None:
        self._forget(handle)
        ray.kill(handle.actor, no_restart=True)

    def stop(self, handle: _Handle) -> None:
        self.kill(handle)

    def close(self) -> None:
        self.pending.clear()
        if self.shutdown:
            ray.shutdown()
