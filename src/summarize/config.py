"""Typed schema of the run-level configuration, so that a bad override fails before any work.

The pipeline stages are configured by their own groups under ``conf/`` (``_target_`` plus the
constructor's arguments) and are checked by their constructors; this schema types the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from summarize.output import FORMATS


@dataclass
class InputConfig:
    path: str | None = None
    """JSONL file, folder of cluster folders, or folder of articles; null: the bundled sample."""
    max_bytes: int = 20_000_000
    limit: int | None = None
    """Summarize only the first N clusters (handy for trying a configuration)."""


DEFAULT_BUDGET_WORDS = 250
"""The briefing's length when nothing says otherwise: about a page a reader takes in at once."""


@dataclass
class BudgetConfig:
    words: int = DEFAULT_BUDGET_WORDS


@dataclass
class FeedConfig:
    """``<output.root>/feed.xml`` of nightly stories runs (docs/following.md)."""

    nights: int = 7
    """The feed holds the briefings of this many last nights (0: no feed)."""
    entries: int = 100
    """At most this many entries: the largest stories (articles that night) are kept."""
    title: str = "Briefings"
    base_url: str | None = None
    """Where ``output.root`` is served (ending in ``/``), to make the feed's links absolute;
    null: links relative to the feed's own address."""


@dataclass
class OutputConfig:
    dir: str = MISSING
    root: str | None = None
    """Parent of the dated folders of nightly runs (``experiment=nightly``)."""
    formats: list[str] = field(default_factory=lambda: list(FORMATS))
    feed: FeedConfig = field(default_factory=FeedConfig)


@dataclass
class RunConfig:
    """How a run is driven; none of it changes a cluster's result."""

    force: bool = False
    """Redo every cluster, even those already complete in the output folder."""
    progress: str = "auto"
    """``bar`` (a progress bar), ``log`` (a line per cluster), ``auto`` (a bar on a terminal)."""
    prune: bool = True
    """Remove briefings of clusters that are no longer in the input."""
    shard_over: int = 2000
    """Above this many clusters, briefings are spread over subfolders by a hash prefix."""
    flush_every: int = 256
    """Finished clusters are stored in batches of this many, made durable with one round of
    fsyncs (1: each on its own); a crash loses at most a batch, which the next run redoes."""
    flush_seconds: float = 2.0
    """A batch is also stored when a cluster finishes this long after the last store, so a
    crash costs at most this much finished work, and a slow cluster is stored as it ends."""
    latest_link: str | None = None
    """Name of a symlink, next to the output folder, that points to it (e.g. ``latest``)."""
    title: str | None = None
    """Heading of the run's ``index.html``."""


@dataclass
class SummarizeConfig:
    input: InputConfig = field(default_factory=InputConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    cleaner: Any = MISSING
    splitter: Any = MISSING
    embedder: Any = MISSING
    dedup: Any = MISSING
    selector: Any = MISSING
    orderer: Any = MISSING
    rewriter: Any = None
    update: Any = None
    focus: Any = None
    disagree: Any = None
    """Where the sources differ (``conf/disagree``): ``auto`` lists them, ``off`` does not."""
    evaluation: Any = None
    group: Any = None
    """``group=stories``: loose articles are grouped into stories first (``conf/group``)."""
    run: RunConfig = field(default_factory=RunConfig)
    executor: Any = None
    """Where clusters run (``conf/executor``); ``runner`` on old command lines."""
    night: str | None = None
    """The date a nightly run is for (``experiment=nightly``); a fixed value reruns that night."""
    cache_dir: str | None = None
    """Where embedders keep what they can reuse across runs (null: nothing is kept)."""
    since: str | None = None
    """``experiment=catchup``: brief what the archive under ``output.root`` holds since this
    date (YYYY-MM-DD), each story as an update of what was briefed before it."""


def register_configs(store: ConfigStore | None = None) -> None:
    """Makes the schema available to ``conf/config.yaml`` as ``summarize_schema``."""
    (store or ConfigStore.instance()).store(name="summarize_schema", node=SummarizeConfig)


def register_resolvers() -> None:
    """``${user_cache:}`` (the platform's cache folder) and ``${job_dir:}`` for the configs."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("user_cache"):
        OmegaConf.register_new_resolver("user_cache", _user_cache)
    if not OmegaConf.has_resolver("job_dir"):
        OmegaConf.register_new_resolver("job_dir", _job_dir)


def _job_dir() -> str:
    """``${job_dir:}``: this job's folder; also outside a job (``--cfg job --resolve``)."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    hydra = HydraConfig.get()
    return str(OmegaConf.select(hydra, "runtime.output_dir", default=None) or hydra.run.dir)


def _user_cache() -> str:
    import platformdirs

    return platformdirs.user_cache_dir("summarize", appauthor=False)
