"""Typed schema of the run-level configuration, so that a bad override fails before any work.

The pipeline stages are configured by their own groups under ``conf/`` (``_target_`` plus the
constructor's arguments) and are checked by their constructors; this schema types the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class InputConfig:
    path: str | None = None
    """JSONL file, folder of cluster folders, or folder of articles; null: the bundled sample."""
    max_bytes: int = 20_000_000
    limit: int | None = None
    """Summarize only the first N clusters (handy for trying a configuration)."""


@dataclass
class BudgetConfig:
    words: int = 250


@dataclass
class OutputConfig:
    dir: str = MISSING
    formats: list[str] = field(default_factory=lambda: ["jsonl", "markdown", "html"])


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
    evaluation: Any = None
    cache_dir: str | None = None
    """Where embedders keep what they can reuse across runs (null: nothing is kept)."""


def register_configs(store: ConfigStore | None = None) -> None:
    """Makes the schema available to ``conf/config.yaml`` as ``summarize_schema``."""
    (store or ConfigStore.instance()).store(name="summarize_schema", node=SummarizeConfig)
