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
    cluster: Cluster, root: Path, night: str, earlier: Sequence[Article] = ()
) -> Cluster:
    """The cluster as an update of what its reader read before ``night``, if anything.

    The reader has read ``earlier`` (the articles of the story's earlier nights, when the run
    layer knows them), the newest briefing of the cluster from a night before ``night`` and
    the articles that briefing was made from; tonight's articles among those are not news. A
    story with nothing new gets a full briefing again, with a warning.
    """
    if cluster.has_previous:  # the input says itself what was read
        return cluster
    found = previous_result(root, night, cluster.id)
    if found is None and not earlier:
        return cluster
    since, seen, shown = None, set(), []
    if found is not None:
        since, result = found
        seen = set(result.article_digests)
        shown = [s["text"] for s in json.loads(result.record)["sentences"]]
    read = [*earlier, *(a for a in cluster.articles if text_digest(a.text) in seen)]
    return cluster.with_previous(read, shown, since=since)


def previous_result(root: Path, night: str, cluster_id: str) -> tuple[str, ClusterResult] | None:
    """The newest briefing of a story from a night before ``night`` under the nightly ``root``.

    Night folders are named by date (YYYY-MM-DD), so their names sort by time.
    """
    root = Path(root)
    if not root.is_dir():
        return None
    earlier = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and p.name < night),
        key=lambda p: p.name,
        reverse=True,
    )
    for folder in earlier:
        path = RunFolder(folder).result_path(cluster_id)
        try:
            result = ClusterResult(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if result.ok and result.id == cluster_id:
            return folder.name, result
    return None
