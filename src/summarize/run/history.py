"""Nightly runs: a story briefed on an earlier night gets an update briefing tonight.

The earlier night's completion marker (``results/``) records the digests of the articles its
briefing was made from and the briefing's sentences; those are what the reader has read. With
``group=stories`` the story index also keeps the texts of the story's earlier articles, so
they are read even when tonight's articles are all new (``stories.earlier_articles``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig

from summarize.data import Article, Cluster
from summarize.run.store import ClusterResult, RunFolder, text_digest


def wants_history(cfg: DictConfig) -> bool:
    """Nightly runs with ``update=auto``: a story briefed on an earlier night gets an update."""
    node = cfg.get("update")
    if not cfg.get("night") or not node:
        return False
    return bool(instantiate(node).uses_history)


def with_history(
    cluster: Cluster, nights: Sequence[Path], earlier: Sequence[Article] = ()
) -> Cluster:
    """The cluster as an update of what its reader read on the earlier ``nights`` (night
    folders, newest first: ``earlier_nights``), if anything.

    The reader has read ``earlier`` (the articles of the story's earlier nights, when the run
    layer knows them), the newest briefing of the cluster among ``nights`` and the articles
    that briefing was made from; tonight's articles among those are not news. A story with
    nothing new gets a full briefing again, with a warning.
    """
    if cluster.has_previous:  # the input says itself what was read
        return cluster
    found = previous_result(nights, cluster.id)
    if found is None and not earlier:
        return cluster
    since, seen, shown = None, set(), []
    if found is not None:
        since, result = found
        seen = set(result.article_digests)
        shown = [s["text"] for s in json.loads(result.record)["sentences"]]
    read = [*earlier, *(a for a in cluster.articles if text_digest(a.text) in seen)]
    return cluster.with_previous(read, shown, since=since)


def earlier_nights(root: Path, night: str) -> list[Path]:
    """The night folders under the nightly ``root`` before ``night``, newest first (listed
    once a run, not once a story). Night folders are named by date (YYYY-MM-DD), so their
    names sort by time."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and p.name < night),
        key=lambda p: p.name,
        reverse=True,
    )


def previous_result(nights: Sequence[Path], cluster_id: str) -> tuple[str, ClusterResult] | None:
    """The newest briefing of a story among the night folders ``nights`` (newest first)."""
    for folder in nights:
        result = RunFolder(folder).stored(cluster_id)
        if result is not None:
            return folder.name, result
    return None
