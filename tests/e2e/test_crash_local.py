"""A cluster whose processing kills the process cannot take a night down, under any executor.

A test-only cleaner (``cleaner._target_`` overridden) sends its own process SIGSEGV on a
cluster carrying a trigger word: the crash a broken native library gives. The command line is
started again and again, as systemd's ``Restart=on-failure`` or the next cron run would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from summarize.data import Article
from summarize.stages.clean import BoilerplateCleaner

from ..helpers import ROOT, inbox, manifest, records, start_cli, story

pytestmark = pytest.mark.slow

TRIGGER = "Segvale"
CRASHER = "flood-Segvale"


class SegfaultingCleaner(BoilerplateCleaner):
    """The real cleaner, except that an article with the trigger word kills its process."""

    def clean(self, article: Article) -> Article:
        if TRIGGER in article.text:
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().clean(article)


def crashing_inbox(folder: Path) -> Path:
    """Four stories, the second of which crashes whoever summarizes it."""
    path = inbox(folder, clusters=4)
    lines = path.read_text().splitlines()
    documents = [story(TRIGGER, town) for town in ("Ellbridge", "Marrow Hill", "Saltney")]
    lines.insert(1, json.dumps({"id": CRASHER, "documents": documents}))
    path.write_text("\n".join(lines) + "\n")
    return path


def start(path: Path, out: Path, *overrides: str) -> subprocess.CompletedProcess:
    """``python -m summarize`` as a scheduler starts it (a fresh process each time); the tests
    package is importable, for the crashing cleaner."""
    return start_cli(
        f"input.path={path}", f"output.dir={out}", "embedder=tfidf", "run.progress=log",
        f"cleaner._target_={__name__}.SegfaultingCleaner", *overrides,
        cwd=out.parent, env={"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
        timeout=900,
    )  # fmt: skip


def test_the_local_executor_fails_a_crashing_cluster_by_the_third_start(tmp_path: Path) -> None:
    path = crashing_inbox(tmp_path / "inbox")
    out = tmp_path / "night"
    for _ in range(2):  # the cluster takes the process down, before and after a retry
        crash = start(path, out)
        assert crash.returncode == -signal.SIGSEGV, crash.stderr[-2000:]
        assert manifest(out)["status"] == "running"
    done = start(path, out)
    assert done.returncode == 1, done.stderr[-2000:]
    night = manifest(out)
    assert night["status"] == "failed"
    assert [(f["id"], f["reason"]) for f in night["failures"]] == [
        (CRASHER, "crashed the process 2 times (SIGSEGV)")
    ]
    assert [r["id"] for r in records(out)] == ["story-00", "story-01", "story-02", "story-03"]
    assert night["counts"]["skipped"] == 1 and night["counts"]["done"] == 3  # story-00 ran first
    again = start(path, out)  # the next night's scheduler: still failed, nothing redone
    assert again.returncode == 1 and manifest(out)["counts"]["done"] == 0
    forced = start(path, out, "run.force=true")  # a new try when the operator asks for it
    assert forced.returncode == -signal.SIGSEGV


def test_a_pool_records_the_crash_in_one_start(tmp_path: Path) -> None:
    path = crashing_inbox(tmp_path / "inbox")
    out = tmp_path / "night"
    done = start(path, out, "executor=processes", "executor.workers=1", "executor.max_tries=2")
    assert done.returncode == 1, done.stderr[-2000:]
    night = manifest(out)
    assert [(f["id"], f["reason"]) for f in night["failures"]] == [
        (CRASHER, "crashed the process 2 times (killed by SIGSEGV)")
    ]
    assert len(records(out)) == 4
    assert start(path, out, "executor=processes").returncode == 1  # no start counted twice
