"""Reading a sweep folder: what each job left (overrides, manifest, metrics, log) as a ``Job``."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from summarize.leaderboard.options import LeaderboardOptions
from summarize.run.manifest import Manifest

_HYDRA_HINT = ", set env var HYDRA_FULL_ERROR=1 to see chained exception"
_ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*)?(?:Error|Exception|Interrupt|Exit)\b.*$")


@dataclass
class Job:
    """What one job of the sweep left in its folder."""

    folder: Path
    num: int | None
    overrides: list[str]
    oracle: bool = False
    status: str = "ok"
    """``ok``; ``partial`` (some clusters failed); ``failed``; ``interrupted``; ``not run``."""
    error: str | None = None
    per_cluster: dict[str, dict[str, float]] = field(default_factory=dict)
    mean: dict[str, float] = field(default_factory=dict)
    clusters: int | None = None
    """Clusters read, scored or not (from the manifest)."""
    peak_rss_mb: float | None = None
    input_path: str | None = None
    budget_words: int | None = None
    clusters_from_cache: int = 0
    """Clusters whose sentence vectors came from the embedding cache, not from the model."""

    @property
    def scored(self) -> bool:
        return bool(self.per_cluster)

    @property
    def mostly_cached(self) -> bool:
        """Most clusters' vectors were read from the cache: its time leaves out the embedding."""
        return bool(self.clusters) and 2 * self.clusters_from_cache >= self.clusters


def _load_yaml(path: Path) -> Any:
    try:
        return OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except Exception:  # a half-written file must not hide the other jobs
        return None


def _load_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def options_of_sweep(sweep: Path) -> LeaderboardOptions:
    """The options the sweep ran with (its ``multirun.yaml``), or the defaults."""
    multirun = _load_yaml(sweep / "multirun.yaml") or {}
    callbacks = (multirun.get("hydra") or {}).get("callbacks") or {}
    for spec in callbacks.values():
        if isinstance(spec, dict) and str(spec.get("_target_", "")).endswith("LeaderboardCallback"):
            return LeaderboardOptions.from_mapping(spec)
    return LeaderboardOptions()


def read_jobs(sweep: Path, also: Sequence[Path] = ()) -> list[Job]:
    """Every job folder of the sweep, plus jobs the sweep planned but never started.

    ``also``: other sweep folders whose jobs join the table, e.g. a re-run of the jobs an
    interrupted sweep never reached.
    """
    jobs = []
    for root in (sweep, *also):
        found = []
        for overrides_file in sorted(Path(root).rglob(".hydra/overrides.yaml")):
            folder = overrides_file.parent.parent
            if folder != Path(root):
                found.append(_read_job(folder))
        found.sort(key=lambda j: (j.num is None, j.num or 0, str(j.folder)))
        jobs += found
    # the same configuration run twice (a re-run after a crash): the later result that scored
    latest: dict[tuple[str, ...], Job] = {}
    for job in jobs:
        key = tuple(sorted(job.overrides))
        if key not in latest or job.scored or not latest[key].scored:
            latest[key] = job
    jobs = [j for j in jobs if latest[tuple(sorted(j.overrides))] is j]
    started = set(latest)
    for overrides in _planned_jobs(sweep):
        if tuple(sorted(overrides)) not in started:
            jobs.append(
                Job(
                    folder=sweep,
                    num=None,
                    overrides=overrides,
                    status="not run",
                    error="never started: the sweep stopped before this job",
                )
            )
    return jobs


def _planned_jobs(sweep: Path) -> list[list[str]]:
    """The basic sweeper's cartesian product of ``multirun.yaml``'s overrides, if it can be had."""
    multirun = _load_yaml(sweep / "multirun.yaml")
    if not isinstance(multirun, dict):
        return []
    hydra_node = multirun.get("hydra") or {}
    sweeper = hydra_node.get("sweeper") or {}
    if "BasicSweeper" not in str(sweeper.get("_target_", "BasicSweeper")):
        return []
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    task = list((hydra_node.get("overrides") or {}).get("task") or [])
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(params + task)
        choices: dict[str, list[str]] = {}
        for override in parsed:
            key = override.get_key_element()
            if override.is_discrete_sweep():
                choices[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
            elif override.is_sweep_override():
                return []
            else:
                choices[key] = [f"{key}={override.get_value_element_as_str()}"]
    except Exception:  # e.g. a glob sweep, which needs the config repository to expand
        return []
    return [list(combination) for combination in itertools.product(*choices.values())]


def _read_job(folder: Path) -> Job:
    hydra_dir = folder / ".hydra"
    overrides = _load_yaml(hydra_dir / "overrides.yaml")
    hydra_cfg = _load_yaml(hydra_dir / "hydra.yaml") or {}
    config = _load_yaml(hydra_dir / "config.yaml") or {}
    num = ((hydra_cfg.get("hydra") or {}).get("job") or {}).get("num")
    target = str((config.get("selector") or {}).get("_target_", ""))
    job = Job(
        folder=folder,
        num=num if isinstance(num, int) else None,
        overrides=[str(o) for o in overrides] if isinstance(overrides, list) else [],
        oracle="oracle" in target.lower(),
        input_path=(config.get("input") or {}).get("path"),
    )
    budget = (config.get("budget") or {}).get("words")
    job.budget_words = budget if isinstance(budget, int) else None
    output = _output_folder(folder, config)
    manifest = _load_json(output / "manifest.json")
    metrics = _load_json(output / "metrics.json")
    if metrics:
        job.per_cluster = _per_cluster(metrics.get("per_cluster") or [])
        job.mean = dict(metrics.get("mean") or {})
    if manifest is None:
        job.status = "failed"
        job.error = _error_from_log(folder) or (
            "no manifest.json: the job is still running, or died without a trace"
        )
        job.error = job.error.replace(_HYDRA_HINT, "")
        return job
    _read_manifest(job, manifest)
    return job


def _read_manifest(job: Job, data: dict) -> None:
    """Counts, peak memory, cache use and the job's status from its ``manifest.json``."""
    manifest = Manifest.from_dict(data)
    job.clusters = manifest.counts.clusters
    job.peak_rss_mb = manifest.timings.get("peak_rss_mb")
    job.clusters_from_cache = int((manifest.embedding_cache or {}).get("clusters_from_cache") or 0)
    job.input_path = manifest.input.get("path", job.input_path)
    failures = manifest.failures
    if manifest.status == "running":
        job.status, job.error = "failed", "still running, or died without a trace (status running)"
    elif manifest.status == "interrupted":
        job.status, job.error = "interrupted", manifest.interrupted
    elif manifest.error:
        job.status, job.error = "failed", manifest.error
    elif manifest.status == "failed" and failures:
        job.status = "partial" if job.scored else "failed"
        job.error = f"{len(failures)} of {job.clusters} cluster(s) failed: {failures[0]['reason']}"
    if not job.scored and job.status in ("ok", "partial"):
        job.status = "failed"
        job.error = job.error or "no cluster was scored (does the input have references?)"
    if job.error:
        job.error = job.error.replace(_HYDRA_HINT, "")


def _output_folder(folder: Path, config: dict) -> Path:
    """Where the job wrote its results: its own folder unless ``output.dir`` named another."""
    configured = str((config.get("output") or {}).get("dir", ""))
    if configured and "${" not in configured and Path(configured).is_absolute():
        return Path(configured)
    return folder


def _per_cluster(entries: list[dict]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for number, entry in enumerate(entries):
        key = str(entry.get("id", f"#{number}"))
        while key in scores:  # the same id twice in one input: keep both, in order
            key += "'"
        scores[key] = {k: float(v) for k, v in entry.items() if isinstance(v, int | float)}
    return scores


def _error_from_log(folder: Path) -> str | None:
    """The last exception line of the job's log, for jobs that died before writing results."""
    for log_file in sorted(folder.glob("*.log")):
        try:
            lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        errors = [line.strip() for line in lines if _ERROR_LINE.match(line.strip())]
        if errors:
            return f"{errors[-1]} (see {log_file.name})"
    return None
