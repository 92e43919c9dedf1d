"""Real (small) Hydra multiruns of the command: one job broken on purpose, the leaderboard
they leave, its scores against rouge-score applied directly, and a shared embedding cache."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from summarize.leaderboard import (
    LeaderboardOptions,
    build_leaderboard,
    main,
    read_jobs,
)

from ..helpers import start_cli

FIXTURES = Path(__file__).parents[1] / "fixtures" / "compare"
CLUSTERS = FIXTURES / "compare_clusters.jsonl"
SELECTORS = "lead,broken,sumy_textrank,oracle"
BUDGET = 60


def _sweep(folder: Path, *extra: str):
    return start_cli(
        "-m", f"selector={SELECTORS}", f"input.path={CLUSTERS}", "embedder=tfidf",
        f"budget.words={BUDGET}", "output.formats=[jsonl]", f"hydra.sweep.dir={folder}",
        f"hydra.searchpath=[file://{FIXTURES / 'conf'}]",  # adds selector=broken
        *extra, cwd=folder.parent,
    )  # fmt: skip


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep") / "sequential"
    result = _sweep(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def _rows(folder: Path) -> list[dict]:
    with (folder / "leaderboard.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_sweep_writes_the_three_files(sweep: Path) -> None:
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.png"):
        assert (sweep / name).stat().st_size > 0
    assert (sweep / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rows_sorted_best_marked_broken_job_listed(sweep: Path) -> None:
    rows = _rows(sweep)
    assert len(rows) == 4
    scored = [r for r in rows if r["rouge2_f"]]
    assert len(scored) == 3
    r2 = [float(r["rouge2_f"]) for r in scored]
    assert r2 == sorted(r2, reverse=True)
    # the oracle is listed by its score but takes no rank: it is not a contender
    assert [r["rank"] for r in scored if r["oracle"] == "False"] == ["1", "2"]
    assert all(r["rank"] == "" for r in scored if r["oracle"] == "True")

    oracle = next(r for r in rows if "oracle" in r["configuration"])
    assert oracle["configuration"] == "selector=oracle (oracle: uses references)"
    assert oracle["best"] == "False"
    best = [r for r in rows if r["best"] == "True"]
    assert len(best) == 1
    assert best[0]["configuration"] in ("selector=lead", "selector=sumy_textrank")
    assert float(best[0]["rouge2_f"]) == max(
        float(r["rouge2_f"]) for r in scored if r["oracle"] == "False"
    )
    for row in scored:
        if row["best"] == "False":
            assert 0 < float(row["p_value"]) <= 1
            assert row["significant"] in ("True", "False")
            assert row["paired_clusters"] == "4"

    broken = rows[-1]
    assert broken["configuration"] == "selector=broken"
    assert broken["status"] == "failed"
    assert "NoSuchSelector" in broken["error"]
    assert broken["rank"] == ""

    markdown = (sweep / "leaderboard.md").read_text(encoding="utf-8")
    assert f"**{best[0]['configuration']}** (best)" in markdown
    assert "NoSuchSelector" in markdown
    assert "(oracle: uses references)" in markdown
    for column in ("R-1 F1", "R-2 F1", "R-Lsum F1", "redundancy", "s/cluster", "peak MB"):
        assert column in markdown


def test_other_jobs_complete_despite_the_broken_one(sweep: Path) -> None:
    jobs = read_jobs(sweep)
    assert [j.status for j in jobs] == ["ok", "failed", "ok", "ok"]
    assert all((j.folder / "summaries.jsonl").exists() for j in jobs if j.status == "ok")


def test_rebuild_from_the_command_line_with_recall(sweep: Path, tmp_path: Path, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.png"):
        (copy / name).unlink()
    main([str(copy), "--rank-by", "rouge2_r", "--metrics", "rouge1_r,rouge2_r"])
    assert "R-2 R" in capsys.readouterr().out
    rows = _rows(copy)
    recall = [float(r["rouge2_r"]) for r in rows if r["rouge2_r"]]
    assert recall == sorted(recall, reverse=True)
    assert (copy / "leaderboard.png").exists()


def test_crashed_and_missing_jobs_are_reported(sweep: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    # job 0 died without a word (killed, say): only its log tells what happened
    for name in ("manifest.json", "metrics.json"):
        (copy / "0" / name).unlink()
    (copy / "0" / "app.log").write_text(
        "[INFO] - cluster ferry-fire: 53 words\nTraceback (most recent call last):\n"
        '  File "x.py", line 1\nMemoryError: cannot allocate 8 GiB\n'
    )
    # job 2 never started: the sweep stopped before it
    shutil.rmtree(copy / "2")
    build_leaderboard(copy, LeaderboardOptions())
    rows = {r["configuration"]: r for r in _rows(copy)}
    assert rows["selector=lead"]["status"] == "failed"
    assert "MemoryError: cannot allocate 8 GiB" in rows["selector=lead"]["error"]
    assert rows["selector=sumy_textrank"]["status"] == "not run"
    assert [r["best"] for r in rows.values()].count("True") == 0  # only the oracle is scored

    # the missing and the crashed job re-run in another sweep folder join the same table
    rerun = tmp_path / "rerun"
    shutil.copytree(sweep / "0", rerun / "0")
    shutil.copytree(sweep / "2", rerun / "1")
    main([str(copy), "--also", str(rerun)])
    rows = {r["configuration"]: r for r in _rows(copy)}
    assert len(rows) == 4
    assert rows["selector=lead"]["status"] == rows["selector=sumy_textrank"]["status"] == "ok"
    assert rows["selector=lead"]["job_dir"] == str(rerun / "0")


def test_joblib_launcher_gives_identical_results(sweep: Path) -> None:
    parallel = sweep.parent / "parallel"
    result = _sweep(parallel, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert result.returncode == 0, result.stderr[-3000:]
    for job in ("0", "2", "3"):
        sequential_bytes = (sweep / job / "summaries.jsonl").read_bytes()
        assert (parallel / job / "summaries.jsonl").read_bytes() == sequential_bytes
    assert not (parallel / "1" / "summaries.jsonl").exists()
    columns = ("rank", "configuration", "rouge1_f", "rouge2_f", "p_value", "status")
    assert [[r[c] for c in columns] for r in _rows(parallel)] == [
        [r[c] for c in columns] for r in _rows(sweep)
    ]


def test_sweep_jobs_share_the_embedding_cache(tmp_path: Path) -> None:
    folder = tmp_path / "tune"
    result = start_cli(
        "experiment=tune_dedup", f"input.path={CLUSTERS}", "budget.words=60",
        "output.formats=[jsonl]", f"hydra.sweep.dir={folder}", "dedup.threshold=0.7,0.9",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = (
        json.loads((folder / job / "manifest.json").read_text())["embedding_cache"]
        for job in ("0", "1")
    )
    assert first["dir"] == second["dir"] == str(folder / "embedding-cache")
    # Vectors are cached per sentence: the second job embeds nothing (its summaries' sentences
    # are sentences of the clusters), and the first job's hits are its own summaries re-read.
    assert second["misses"] == 0 < first["misses"] <= second["hits"]
    assert (first["clusters_from_cache"], second["clusters_from_cache"]) == (0, 4)
    board = (folder / "leaderboard.md").read_text()
    assert "sentence vectors from the embedding cache" in board
    marked = [line for line in board.splitlines() if line.startswith("| ") and " * |" in line]
    assert len(marked) == 1 and "dedup.threshold=0.9" in marked[0]


def test_leaderboard_scores_of_sumy_baselines_match_rouge_score(tmp_path: Path) -> None:
    """The leaderboard's means equal rouge-score applied directly to each job's summaries.jsonl."""
    from rouge_score import rouge_scorer

    sweep = tmp_path / "sweep"
    result = start_cli(
        "-m", "selector=sumy_lexrank,sumy_kl", f"input.path={CLUSTERS}", "embedder=tfidf",
        f"budget.words={BUDGET}", "output.formats=[jsonl]", f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    references = {
        record["id"]: record["summaries"]
        for record in map(json.loads, CLUSTERS.read_text().splitlines())
    }
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    with (sweep / "leaderboard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["configuration"] for r in rows} == {"selector=sumy_lexrank", "selector=sumy_kl"}
    for row in rows:
        summaries = (Path(row["job_dir"]) / "summaries.jsonl").read_text().splitlines()
        assert len(summaries) == len(references)
        independent: dict[str, list[float]] = {}
        for record in map(json.loads, summaries):
            prediction = "\n".join(s["text"] for s in record["sentences"])
            for reference in references[record["id"]]:
                target = "\n".join(_sentences(reference))
                for metric, score in scorer.score(target, prediction).items():
                    independent.setdefault(metric, []).append(100 * score.fmeasure)
        for metric in ("rouge1", "rouge2", "rougeLsum"):
            # per cluster: mean over its references; then the mean over clusters
            per_cluster = _mean_per_cluster(independent[metric], summaries, references)
            assert float(row[f"{metric}_f"]) == pytest.approx(np.mean(per_cluster), abs=1e-6)
            assert float(row[f"{metric}_f_low"]) <= float(row[f"{metric}_f"])
            assert float(row[f"{metric}_f"]) <= float(row[f"{metric}_f_high"])


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


def _mean_per_cluster(values: list[float], summaries: list[str], references: dict) -> list[float]:
    means, start = [], 0
    for record in map(json.loads, summaries):
        count = len(references[record["id"]])
        means.append(float(np.mean(values[start : start + count])))
        start += count
    return means
