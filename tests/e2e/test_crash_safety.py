"""Crash and signal safety of the real command: SIGKILL at any point, SIGTERM, and a second
run into a folder another process holds. These start ``python -m summarize`` as a process
(``embedder=tfidf`` keeps them fast) and kill it for real. Finished clusters are stored in
small batches here (``run.flush_every``), so that the signals land between and inside them."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from summarize.run.store import RunLock

from ..helpers import CLUSTERS, every_file_parses, inbox, manifest, records, start_cli


def cli(*overrides: str, cwd: Path, wait: bool = True):
    return start_cli("embedder=tfidf", "run.progress=log", *overrides, cwd=cwd, wait=wait)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> tuple[Path, bytes]:
    """An uninterrupted run over the inbox: what every interrupted run must end up with."""
    root = tmp_path_factory.mktemp("reference")
    path = inbox(root)
    out = root / "out"
    result = cli(f"input.path={path}", f"output.dir={out}", cwd=root)
    assert result.returncode == 0, result.stderr
    return path, (out / "summaries.jsonl").read_bytes()


@pytest.mark.parametrize("kill_after", [0, 1, 6])
def test_sigkill_at_any_point_then_rerun_finishes_the_job(reference_run, tmp_path, kill_after):
    path, expected = reference_run
    out = tmp_path / "out"
    # An earlier complete run in the same folder, then a forced run killed part way.
    assert cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path).returncode == 0
    previous = (out / "summaries.jsonl").read_bytes()
    process = cli(f"input.path={path}", f"output.dir={out}", "run.force=true",
                  "run.flush_every=3", cwd=tmp_path, wait=False)  # fmt: skip
    started = manifest(out)["started"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        current = manifest(out)
        running = current["started"] != started and current["status"] == "running"
        if running and _results_newer_than(out, current["started"]) >= kill_after:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    killed = manifest(out)
    assert killed["status"] == "running", "the manifest never describes another run's results"
    assert killed["counts"]["done"] == 0
    assert (out / "summaries.jsonl").read_bytes() == previous  # whole, never truncated
    every_file_parses(out, killed=True)

    result = cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "summaries.jsonl").read_bytes() == expected
    ids = [r["id"] for r in records(out)]
    assert ids == sorted(set(ids)) and len(ids) == CLUSTERS  # every cluster exactly once
    finished = manifest(out)
    assert finished["status"] == "ok"
    assert finished["counts"]["done"] + finished["counts"]["skipped"] == CLUSTERS
    every_file_parses(out)


def _results_newer_than(out: Path, started: str) -> int:
    from datetime import datetime

    since = datetime.fromisoformat(started).timestamp() - 1
    return sum(1 for p in (out / "results").glob("*/*.json") if p.stat().st_mtime >= since)


def test_sigterm_stops_after_the_current_cluster_and_leaves_it_resumable(reference_run, tmp_path):
    path, expected = reference_run
    out = tmp_path / "out"
    process = cli(f"input.path={path}", f"output.dir={out}", "run.flush_every=2", cwd=tmp_path,
                  wait=False)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "results").glob("*/*.json")):
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "interrupted (SIGTERM)" in stderr
    stopped = manifest(out)
    assert stopped["status"] == "interrupted" and "SIGTERM" in stopped["interrupted"]
    assert 1 <= stopped["counts"]["done"] < CLUSTERS
    every_file_parses(out)
    assert cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path).returncode == 0
    assert (out / "summaries.jsonl").read_bytes() == expected


def test_a_second_run_into_a_held_folder_is_refused_and_touches_nothing(reference_run, tmp_path):
    path, _ = reference_run
    out = tmp_path / "out"
    out.mkdir()
    with RunLock(out):
        before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
        result = cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path)
        after = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert result.returncode == 75
    assert "another summarize run is writing into this folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert before == after
    # Once the holder is gone (however it died), the next run goes ahead.
    assert cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path).returncode == 0
