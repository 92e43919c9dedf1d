"""What an operator sees while a run goes: a bar on a terminal, a line per cluster elsewhere."""

from __future__ import annotations

import logging
import sys

from summarize.run.store import ClusterResult

log = logging.getLogger("summarize")


class Progress:
    """A progress bar on a terminal; one log line per cluster elsewhere (cron, journald).

    ``mode`` is ``run.progress``: ``bar``, ``log`` or ``auto`` (a bar when stderr is a terminal).
    """

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
