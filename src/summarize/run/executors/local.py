"""``executor=local``: clusters one after the other in this process, with an optional time limit."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Iterator
from typing import ClassVar

from summarize.data import Cluster
from summarize.params import Constraint, check_params
from summarize.run.executors.base import TIMEOUT, OnStart, timed_out
from summarize.run.worker import ClusterOutcome, ClusterWorker

log = logging.getLogger("summarize")


class LocalExecutor:
    """In this process, one cluster after the other (the default).

    ``timeout_s`` records a cluster still running after that many seconds as failed and goes
    on. It uses ``SIGALRM``, so it works in the main thread of a POSIX process only (elsewhere
    it is off, with a warning), and it takes effect between Python bytecodes: a single long
    call into native code (one ONNX batch, one regular expression) finishes first.
    """

    constraints: ClassVar[dict[str, Constraint]] = {"timeout_s": TIMEOUT}

    def __init__(self, timeout_s: float | None = None) -> None:
        self.timeout_s = timeout_s
        check_params(self, "executor")

    def map(
        self,
        worker: ClusterWorker,
        tasks: Iterable[tuple[Cluster, str]],
        on_start: OnStart | None = None,
    ) -> Iterator[ClusterOutcome]:
        limit = self.timeout_s
        if limit is not None and not (in_main_thread() and hasattr(signal, "SIGALRM")):
            log.warning(
                "executor.timeout_s needs the main thread of a POSIX process: no time limit"
            )
            limit = None
        for number, (cluster, key) in enumerate(tasks):
            if not number:  # the model's load is neither the first cluster's time nor its risk
                worker.warm_up()
            if on_start is not None:
                on_start(cluster, key)
            if limit is None:
                yield worker(cluster, key)
                continue
            try:
                with _alarm(limit):
                    outcome = worker(cluster, key)
            except _TimeLimit:
                log.error("cluster %s: %s", cluster.id, timed_out(limit))
                outcome = ClusterOutcome.failed(cluster, key, timed_out(limit))
            yield outcome


def in_main_thread() -> bool:
    """Signal handlers (``SIGALRM``, ``SIGTERM``) can only be set from the main thread."""
    return threading.current_thread() is threading.main_thread()


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
