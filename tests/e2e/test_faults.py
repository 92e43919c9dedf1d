"""A night that meets faults still ends well, with real processes, signals and file systems.

- Random SIGKILLs (seeded: ``SUMMARIZE_KILL_SEED=N`` replays a schedule), then one run to the
  end: exit 0, every cluster exactly once, every file whole; for the local and the processes
  executors and for a stories night (kills during grouping, right after the story index is
  written, and during briefings).
- A cluster on which the process is SIGKILLed every time (the OOM killer) fails only after
  ``MAX_KILLS`` starts, with a reason that says so; a segfault still ends the night within three
  starts (``test_crash_local.py``).
- A real full disk (a small tmpfs, mounted in a user namespace where the machine allows it):
  one line, exit 74, and the rerun after freeing space finishes with every cluster once. Where
  no file system can be mounted, ``tests/unit/test_faults.py`` injects the error at the writer.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarize.run.store import RunFolder
from summarize.run.worker import MAX_KILLS, killed
from summarize.stages.clean import BoilerplateCleaner

from ..helpers import ROOT, every_file_parses, inbox, manifest, records, start_cli, story
from ..story_inbox import NIGHT1, NIGHT2

KILLS = 8
SEED = int(os.environ.get("SUMMARIZE_KILL_SEED", "20261207"))
NIGHT = "2026-03-02"
TRIGGER = "Killmoor"
VICTIM = "flood-Killmoor"
FAST = ("embedder=tfidf", "run.progress=log", "run.flush_every=3")


class KilledCleaner(BoilerplateCleaner):
    """The real cleaner, except that an article with the trigger word gets its process
    SIGKILLed, as the OOM killer would: no fault is recorded."""

    def clean(self, article):
        if TRIGGER in article.text:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().clean(article)


def command(*overrides: str, cwd: Path, wait: bool = True):
    """The command line as a scheduler starts it; the tests package importable (cleaners)."""
    return start_cli(*FAST, *overrides, cwd=cwd, wait=wait, timeout=600,
                     env={"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})  # fmt: skip


def started(out: Path) -> str | None:
    try:
        current = manifest(out)
        return current["started"] + "|" + current["status"]
    except (OSError, ValueError, KeyError):
        return None


def wait_for(condition, process, limit: float = 120) -> bool:
    """Polls ``condition`` until it holds (True) or the process ends first (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.005)
    return False


def killed_runs(overrides: list[str], out: Path, cwd: Path, moments) -> list[str]:
    """Starts the command ``KILLS`` times and SIGKILLs each run at the moment ``moments(k,
    process)`` waits for; returns what each kill hit, for the failure message."""
    log = []
    for number in range(KILLS):
        before = started(out)
        process = command(*overrides, cwd=cwd, wait=False)
        began = wait_for(lambda b=before: started(out) not in (None, b), process)
        what = moments(number, process) if began else "ended before it began"
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            log.append(f"kill {number}: {what}")
        else:
            log.append(f"kill {number}: none, the run ended first ({what})")
        process.communicate(timeout=60)
        every_file_parses(out, killed=True)
    return log


def sleeper(rng: random.Random, horizon: float, out: Path, clusters: int):
    """Waits a random moment within what the run has left: ``horizon`` seconds for the whole
    night, less the share of clusters already stored, so kills keep landing as it resumes."""

    def moment(number: int, process) -> str:
        stored = sum(1 for _ in RunFolder(out).stored_ids())
        delay = rng.uniform(0.0, horizon * max(0.2, 1 - stored / clusters))
        wait_for(lambda: False, process, delay)
        return f"{delay:.2f} s after the manifest"

    return moment


def finished_exactly_once(out: Path, expected: bytes, clusters: int) -> None:
    assert (out / "summaries.jsonl").read_bytes() == expected
    ids = [r["id"] for r in records(out)]
    assert len(ids) == len(set(ids)) == clusters
    night = manifest(out)
    assert night["status"] == "ok" and night["failures"] == []
    assert night["counts"]["done"] + night["counts"]["skipped"] == clusters
    assert sum(1 for _ in RunFolder(out).stored_ids()) == clusters
    every_file_parses(out)  # the last run removed every temporary file


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, bytes, float]:
    """An uninterrupted night: its inbox, its summaries and how long it took."""
    root = tmp_path_factory.mktemp("reference")
    path = inbox(root, clusters=20)
    began = time.monotonic()
    result = command(f"input.path={path}", f"output.dir={root / 'out'}", cwd=root)
    assert result.returncode == 0, result.stderr[-2000:]
    return path, (root / "out" / "summaries.jsonl").read_bytes(), time.monotonic() - began


@pytest.mark.parametrize(
    "executor", [[], ["executor=processes", "executor.workers=2"]], ids=["local", "processes"]
)
def test_random_kills_lose_nothing(reference, tmp_path, executor):
    path, expected, seconds = reference
    out = tmp_path / "night"
    overrides = [f"input.path={path}", f"output.dir={out}", *executor]
    rng = random.Random(SEED)
    horizon = seconds * (2.0 if executor else 1.0)  # workers load their own model
    log = killed_runs(overrides, out, tmp_path, sleeper(rng, horizon, out, 20))
    last = command(*overrides, cwd=tmp_path)
    replay = f"seed {SEED}: " + "; ".join(log)
    assert last.returncode == 0, replay + "\n" + last.stderr[-3000:]
    assert "crashed" not in last.stderr and "killed" not in json.dumps(manifest(out)), replay
    finished_exactly_once(out, expected, 20)


def stories_inbox(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "inbox.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in NIGHT1 + NIGHT2), encoding="utf-8")
    return path


def test_random_kills_of_a_stories_night_lose_nothing(tmp_path):
    path = stories_inbox(tmp_path / "inbox")
    nightly = ["experiment=nightly", "group=stories", f"input.path={path}", f"night={NIGHT}"]
    reference = tmp_path / "reference"
    began = time.monotonic()
    first = command(*nightly, f"output.root={reference}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    seconds = time.monotonic() - began
    root = tmp_path / "root"
    out, index = root / NIGHT, root / "stories" / f"{NIGHT}.jsonl"
    rng = random.Random(SEED)
    later = sleeper(rng, seconds, out, 4)

    def moment(number: int, process) -> str:
        phase = ("grouping", "index", "briefings")[number % 3]
        if phase == "grouping":  # the night's articles are being read, cleaned, grouped
            delay = rng.uniform(0.0, 0.2)
            wait_for(lambda: False, process, delay)
            return f"grouping, {delay:.2f} s after the manifest"
        if phase == "index":
            before = index.stat().st_mtime_ns if index.exists() else None
            wait_for(lambda: index.exists() and index.stat().st_mtime_ns != before, process)
            return "right after the story index was written"
        return f"briefings, {later(number, process)}"

    log = killed_runs([*nightly, f"output.root={root}"], out, tmp_path, moment)
    last = command(*nightly, f"output.root={root}", cwd=tmp_path)
    replay = f"seed {SEED}: " + "; ".join(log)
    assert last.returncode == 0, replay + "\n" + last.stderr[-3000:]
    stories = (reference / NIGHT / "stories.jsonl").read_bytes()
    assert (out / "stories.jsonl").read_bytes() == stories, replay  # the same ids
    assert index.read_bytes() == (reference / "stories" / f"{NIGHT}.jsonl").read_bytes()
    expected = (reference / NIGHT / "summaries.jsonl").read_bytes()
    finished_exactly_once(out, expected, len(stories.splitlines()))


def test_a_cluster_killed_every_time_fails_after_the_larger_limit(tmp_path):
    path = inbox(tmp_path / "inbox", clusters=3)
    lines = path.read_text().splitlines()
    documents = [story(TRIGGER, town) for town in ("Ellbridge", "Marrow Hill")]
    lines.insert(1, json.dumps({"id": VICTIM, "documents": documents}))
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "night"
    overrides = [f"input.path={path}", f"output.dir={out}",
                 f"cleaner._target_={__name__}.KilledCleaner"]  # fmt: skip
    for _ in range(MAX_KILLS):  # killed with the cluster in flight, nothing recorded
        run = command(*overrides, cwd=tmp_path)
        assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    done = command(*overrides, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    night = manifest(out)
    assert [(f["id"], f["reason"]) for f in night["failures"]] == [(VICTIM, killed(MAX_KILLS))]
    assert [r["id"] for r in records(out)] == ["story-00", "story-01", "story-02"]
    assert night["previous_run"]["status"].startswith("died before finishing")


def can_mount() -> bool:
    """Whether a tmpfs can be mounted here: as root, or in a user namespace."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
                           capture_output=True)  # fmt: skip
    return probe.returncode == 0


FULL_DISK_SCRIPT = """
set -u
mount -t tmpfs -o size=2m tmpfs "$DISK"
head -c 1900000 /dev/zero > "$DISK/filler"
"$PYTHON" -m summarize "$@" > "$LOGS/full.out" 2> "$LOGS/full.err"; echo $? > "$LOGS/full.rc"
cp -a "$DISK/night" "$LOGS/after-full"
rm "$DISK/filler"
"$PYTHON" -m summarize "$@" > "$LOGS/rerun.out" 2> "$LOGS/rerun.err"; echo $? > "$LOGS/rerun.rc"
cp -a "$DISK/night" "$LOGS/after-rerun"
"""


@pytest.mark.skipif(not can_mount(), reason="no tmpfs can be mounted here (unit test injects)")
def test_a_real_full_disk_is_a_clear_stop_and_the_rerun_finishes(reference, tmp_path):
    path, expected, _ = reference
    disk, logs = tmp_path / "disk", tmp_path / "logs"
    disk.mkdir()
    logs.mkdir()
    script = tmp_path / "full.sh"
    script.write_text(FULL_DISK_SCRIPT)
    arguments = [*FAST, f"input.path={path}", f"output.dir={disk / 'night'}"]
    environment = {**os.environ, "DISK": str(disk), "LOGS": str(logs),
                   "PYTHON": sys.executable, "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    subprocess.run(["unshare", "-rm", "bash", str(script), *arguments], env=environment,
                   check=True, timeout=600)  # fmt: skip
    full_err = (logs / "full.err").read_text()
    assert (logs / "full.rc").read_text().strip() == "74", full_err[-2000:]
    (line,) = [x for x in full_err.splitlines() if "disk is full" in x]
    assert line.startswith(f"summarize: the disk is full: could not write {disk / 'night'}")
    assert line.endswith("run the same command again to resume")
    assert "Traceback" not in full_err and "ERROR" not in full_err
    stopped = logs / "after-full"
    assert manifest(stopped)["status"] != "ok"
    every_file_parses(stopped)  # nothing half-written, no temporary file left
    folder = RunFolder(stopped)
    kept = [cluster_id for cluster_id, _ in folder.stored_ids()]
    for cluster_id in kept:  # what was briefed before the disk filled stays valid
        result = json.loads(folder.result_path(cluster_id).read_text())
        assert folder.load(cluster_id, result["key"]) is not None
    assert (logs / "rerun.rc").read_text().strip() == "0", (logs / "rerun.err").read_text()
    finished_exactly_once(logs / "after-rerun", expected, 20)
    counts = manifest(logs / "after-rerun")["counts"]
    assert (counts["skipped"], counts["done"]) == (len(kept), 20 - len(kept))
