"""What happened to each cluster of a run's input, by input position: the driver's books."""

from __future__ import annotations

import logging
from pathlib import Path

from summarize.run.store import ClusterResult

log = logging.getLogger("summarize")


class Ledger:
    """Each cluster's result or failure, by input position, and the sums the manifest reports."""

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

    def cache_report(self, config: dict) -> dict | None:
        """What the embedding cache answered, summed over the clusters done in this run by any
        worker: the time of that work is not in this run's timings."""
        cache_dir = (config.get("embedder") or {}).get("cache_dir")
        if not cache_dir:
            return None
        use = {"hits": 0, "misses": 0, "repaired": 0, **self.cache_use}
        directory = str(Path(cache_dir).expanduser())
        return {"dir": directory, **use, "clusters_from_cache": self.from_cache}
