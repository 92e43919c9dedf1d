"""A night that meets faults still ends well, in this process: how the runs that died on a
cluster died (a native fault recorded by ``faulthandler``, or a kill that left no record), the
limits each gets, and a disk that fills mid-run. The same faults with real signals and a real
small file system: ``tests/e2e/test_faults.py``."""

from __future__ import annotations

import errno
import faulthandler
import json
import os
from pathlib import Path

import pytest

from summarize.run import store
from summarize.run.driver import MAX_STARTS
from summarize.run.store import STARTS_NAME, Deaths, RunFolder, new_run_id
from summarize.run.worker import MAX_KILLS, crashed, killed

from ..helpers import inbox, manifest, records, run_cli

SEGFAULT_REPORT = (
    "Fatal Python error: Segmentation fault\n\nCurrent thread 0x7f (most recent call first):\n"
)
"""The first lines ``faulthandler`` writes as a process dies of SIGSEGV."""


def dead_run(folder: Path, starts: list[tuple[str, str]], report: str = "") -> None:
    """A run that noted ``starts`` and died before finishing them: with a fault ``report``
    (a crash) or with an empty record (killed: SIGKILL, the OOM killer)."""
    run = new_run_id()
    while (folder / store.FAULTS / f"{run}.txt").exists():
        run = new_run_id()
    (folder / store.FAULTS).mkdir(parents=True, exist_ok=True)
    (folder / store.FAULTS / f"{run}.txt").write_text(report, encoding="utf-8")
    with open(folder / STARTS_NAME, "a", encoding="utf-8") as ledger:
        for cluster_id, key in starts:
            ledger.write(json.dumps({"start": cluster_id, "key": key, "run": run}) + "\n")


def test_the_ledger_tells_crashes_from_kills(tmp_path):
    folder = RunFolder(tmp_path, run=new_run_id())
    dead_run(tmp_path, [("a", "k"), ("b", "k")], SEGFAULT_REPORT)
    dead_run(tmp_path, [("a", "k")])  # killed while a ran
    dead_run(tmp_path, [("b", "k"), ("c", "k")], "Fatal Python error: Aborted\n")
    folder.forget_starts({"c": "k"})  # c finished after all: its start counts for nothing
    # The store's own writer keeps a line separator in an id as it is.
    RunFolder(tmp_path, run=new_run_id()).record_start("f\u2028g", "k")
    with open(tmp_path / STARTS_NAME, "a", encoding="utf-8") as ledger:
        ledger.write(json.dumps({"start": "d", "key": "k"}) + "\n")  # before fault records
    with open(tmp_path / STARTS_NAME, "ab") as ledger:
        ledger.write('{"start": "café'.encode()[:-1] + b"\n")  # cut inside a character
        ledger.write(b'{"start": "e", "ke')  # a line cut by a kill mid-write
    assert folder.unfinished_starts() == {
        ("a", "k"): Deaths(crashes=1, kills=1, signal="SIGSEGV"),
        ("b", "k"): Deaths(crashes=2, kills=0, signal="SIGABRT"),
        ("d", "k"): Deaths(crashes=0, kills=1),
        ("f\u2028g", "k"): Deaths(crashes=0, kills=1),
    }


def test_a_run_keeps_a_fault_record_only_while_it_lives(tmp_path):
    folder = RunFolder(tmp_path, run=new_run_id())
    was_enabled = faulthandler.is_enabled()
    with folder.fault_record():
        (record,) = (tmp_path / store.FAULTS).iterdir()
        assert record.name == f"{folder.run}.txt" and record.read_text() == ""
        assert faulthandler.is_enabled()
    assert not record.exists()  # ended by itself: no verdict to leave
    assert faulthandler.is_enabled() == was_enabled
    with pytest.raises(ValueError, match="not a run id"):
        RunFolder(tmp_path, run="../../etc/passwd")._fault_path("../../etc/passwd")


def finished_run(folder: Path, starts: list[tuple[str, str]], report: str = "") -> None:
    """A run that noted ``starts``, finished them (cleared), then died (``report``, or killed)
    before it ended: its fault record stays, though no start that counts names it."""
    dead_run(folder, starts, report)
    RunFolder(folder).forget_starts(dict(starts))


def ledger_lines(folder: Path) -> list[str]:
    return (folder / STARTS_NAME).read_text(encoding="utf-8", errors="replace").splitlines()


def records_of(folder: Path) -> set[str]:
    """The runs that have a fault record in the folder."""
    return {path.stem for path in (folder / store.FAULTS).glob("*.txt")}


@pytest.fixture
def busy_ledger(tmp_path) -> Path:
    """A folder whose ledger has kills, crashes, clears, a start from before fault records and
    lines cut mid-write, noted by six runs, two of which no start that counts names."""
    dead_run(tmp_path, [("a", "k"), ("b", "k")], SEGFAULT_REPORT)
    dead_run(tmp_path, [("a", "k"), ("c", "k")])  # killed
    RunFolder(tmp_path).forget_starts({"a": "k"})  # a finished: its two starts count no more
    finished_run(tmp_path, [("f", "k")], SEGFAULT_REPORT)
    dead_run(tmp_path, [("a", "k"), ("b", "k2")], "Fatal Python error: Aborted\n")
    with open(tmp_path / STARTS_NAME, "a", encoding="utf-8") as ledger:
        ledger.write('{"start": "e", "ke\n')  # cut by a kill, a later run wrote on
        ledger.write(json.dumps({"start": "d", "key": "k"}) + "\n")  # before fault records
    with open(tmp_path / STARTS_NAME, "ab") as ledger:
        ledger.write('{"start": "café'.encode()[:-1] + b"\n")  # cut inside a character
    finished_run(tmp_path, [("g", "k"), ("c", "k2")])
    dead_run(tmp_path, [("c", "k")], SEGFAULT_REPORT)
    RunFolder(tmp_path).forget_starts({"b": "k2"})
    return tmp_path


def test_compacting_the_ledger_keeps_its_verdicts(busy_ledger):
    folder = RunFolder(busy_ledger, run=new_run_id())
    before = folder.unfinished_starts()
    assert before == {
        ("a", "k"): Deaths(crashes=1, kills=0, signal="SIGABRT"),
        ("b", "k"): Deaths(crashes=1, kills=0, signal="SIGSEGV"),
        ("c", "k"): Deaths(crashes=1, kills=1, signal="SIGSEGV"),
        ("d", "k"): Deaths(crashes=0, kills=1),
    }
    lines = ledger_lines(busy_ledger)
    assert folder.compact_starts() == (len(lines) - 5, 2)
    assert folder.unfinished_starts() == before
    kept = ledger_lines(busy_ledger)  # the starts that count, as they were noted, in order
    assert kept == [line for line in lines if line in kept] and len(kept) == 5
    assert all("start" in json.loads(line) for line in kept)
    assert folder.compact_starts() == (0, 0)  # nothing more to drop
    assert ledger_lines(busy_ledger) == kept


def test_compacting_removes_the_records_of_runs_no_start_names(busy_ledger):
    folder = RunFolder(busy_ledger, run=new_run_id())
    assert len(records_of(busy_ledger)) == 6
    with folder.fault_record():  # this run's own record, alive: kept
        folder.compact_starts()
        live = {json.loads(line).get("run") for line in ledger_lines(busy_ledger)} - {None}
        assert len(live) == 4 and records_of(busy_ledger) == live | {folder.run}
    assert records_of(busy_ledger) == live


def test_compacting_a_ledger_of_cleared_starts_shrinks_it(tmp_path):
    for number in range(200):  # runs that finished their clusters, some killed as they ended
        finished_run(tmp_path, [(f"story-{n:03d}", "k") for n in range(number, number + 10)])
    dead_run(tmp_path, [("story-007", "k")])  # the one start that counts
    folder = RunFolder(tmp_path, run=new_run_id())
    size = (tmp_path / STARTS_NAME).stat().st_size
    assert folder.compact_starts() == (4000, 200)
    assert len(ledger_lines(tmp_path)) == 1
    assert (tmp_path / STARTS_NAME).stat().st_size < size / 1000
    assert folder.unfinished_starts() == {("story-007", "k"): Deaths(kills=1)}
    assert len(records_of(tmp_path)) == 1


def started_keys(out: Path) -> dict[str, str]:
    """Each cluster's work key, as the run noted it in its starts ledger."""
    lines = (out / STARTS_NAME).read_text().splitlines()
    return {e["start"]: e["key"] for e in map(json.loads, lines) if "start" in e}


def night(path: Path, out: Path, *overrides: str):
    return run_cli(f"input.path={path}", f"output.dir={out}", "embedder=tfidf",
                   "run.progress=log", *overrides, cwd=out.parent)  # fmt: skip


@pytest.fixture
def finished_night(tmp_path) -> tuple[Path, Path, list[dict]]:
    """A night of four stories, complete: its inbox, its folder and its records."""
    path = inbox(tmp_path / "inbox", clusters=4)
    out = tmp_path / "night"
    assert night(path, out).returncode == 0
    return path, out, records(out)


def forget_briefing(out: Path, cluster_id: str) -> None:
    """As if the cluster had never finished: its completion marker is gone."""
    RunFolder(out).result_path(cluster_id).unlink()


def test_kills_are_not_crashes_and_fail_a_cluster_only_after_the_larger_limit(finished_night):
    path, out, expected = finished_night
    keys = started_keys(out)
    for cluster_id in ("story-01", "story-02"):
        forget_briefing(out, cluster_id)
    for _ in range(MAX_KILLS - 1):  # an operator, a reboot, systemd's stop timeout...
        dead_run(out, [("story-01", keys["story-01"])])
    for _ in range(MAX_KILLS):  # the OOM killer, every time story-02 runs
        dead_run(out, [("story-02", keys["story-02"])])
    result = night(path, out)
    assert result.returncode == 1, result.stderr
    failures = manifest(out)["failures"]
    assert [(f["id"], f["reason"]) for f in failures] == [("story-02", killed(MAX_KILLS))]
    assert killed(5) == (
        "the process was killed 5 times while summarizing this cluster; out of memory?"
    )
    assert manifest(out)["counts"]["done"] == 1  # story-01, started again and briefed
    assert [r for r in records(out) if r["id"] != "story-02"] == [
        r for r in expected if r["id"] != "story-02"
    ]


def test_a_cluster_that_crashed_runs_fails_with_its_signal(finished_night):
    path, out, expected = finished_night
    keys = started_keys(out)
    forget_briefing(out, "story-03")
    for _ in range(MAX_STARTS):
        dead_run(out, [("story-03", keys["story-03"])], SEGFAULT_REPORT)
    result = night(path, out)
    assert result.returncode == 1
    assert manifest(out)["failures"][0]["reason"] == crashed(MAX_STARTS, "SIGSEGV")
    assert crashed(2, "SIGSEGV") == "crashed the process 2 times (SIGSEGV)"
    forced = night(path, out, "run.force=true")  # the operator asks for a new try
    assert forced.returncode == 0 and records(out) == expected


def test_a_run_on_a_long_ledger_leaves_a_compact_one(finished_night):
    path, out, expected = finished_night
    keys = started_keys(out)
    for _ in range(100):  # reruns into the folder that briefed everything, some crashed at the end
        finished_run(out, list(keys.items()), SEGFAULT_REPORT if _ % 3 == 0 else "")
    forget_briefing(out, "story-02")
    for _ in range(MAX_KILLS):  # the OOM killer, every time story-02 runs
        dead_run(out, [("story-02", keys["story-02"])])
    kills = ledger_lines(out)[-MAX_KILLS:]
    killers = {json.loads(line)["run"] for line in kills}
    assert len(ledger_lines(out)) > 800 and len(records_of(out)) == 100 + MAX_KILLS
    result = night(path, out)
    assert result.returncode == 1, result.stderr
    failures = manifest(out)["failures"]  # the kills that count were kept, and counted
    assert [(f["id"], f["reason"]) for f in failures] == [("story-02", killed(MAX_KILLS))]
    assert ledger_lines(out) == kills  # the rest ran nothing: no start of its own
    assert records_of(out) == killers
    assert [r for r in records(out) if r["id"] != "story-02"] == [
        r for r in expected if r["id"] != "story-02"
    ]


class FullDisk:
    """A file system that takes no more bytes for some files: their writes fail with ENOSPC,
    as a full disk makes them fail (the error carries no file name)."""

    def __init__(self, handle, fits: bool) -> None:
        self._handle, self._fits = handle, fits

    def write(self, data):
        if not self._fits and data:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


def fill_disk(monkeypatch, fits) -> None:
    """From now on, files that the store writes fail unless ``fits(their final path)``."""
    real = os.fdopen

    def fdopen(descriptor, *args, **kwargs):
        handle = real(descriptor, *args, **kwargs)
        temporary = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
        final = temporary.parent / temporary.name[1:].rsplit(".", 2)[0]  # .name.XXXX.part
        return FullDisk(handle, fits(final))

    monkeypatch.setattr(store.os, "fdopen", fdopen)


def disk_full_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "disk is full" in line]


def test_a_full_disk_is_a_clear_stop_and_the_rerun_finishes(tmp_path, monkeypatch):
    path = inbox(tmp_path / "inbox", clusters=4)
    reference = tmp_path / "reference"
    assert night(path, reference).returncode == 0
    out = tmp_path / "night"
    fill_disk(monkeypatch, lambda final: store.BRIEFINGS not in final.parts)
    full = night(path, out)
    assert full.returncode == 74
    (line,) = disk_full_lines(full.stderr)
    assert line.startswith(f"summarize: the disk is full: could not write {out / 'briefings'}")
    assert line.endswith("free space there and run the same command again to resume")
    assert "Traceback" not in full.stderr and "ERROR" not in full.stderr
    stopped = manifest(out)  # small enough to fit: the final state, not "running"
    assert stopped["status"] == "interrupted" and stopped["interrupted"] == line[11:]
    assert not list((out / "results").glob("*/*.json"))  # nothing vouched for half a briefing

    monkeypatch.undo()  # space freed
    again = night(path, out)
    assert again.returncode == 0, again.stderr
    assert records(out) == records(reference)
    counts = manifest(out)["counts"]
    assert (counts["done"], counts["skipped"], counts["failed"]) == (4, 0, 0)


def test_a_manifest_that_did_not_fit_is_reported_stale_by_the_next_start(tmp_path, monkeypatch):
    path = inbox(tmp_path / "inbox", clusters=3)
    out = tmp_path / "night"
    assert night(path, out).returncode == 0
    started = manifest(out)["started"]
    writes: list[Path] = []

    def fits(final: Path) -> bool:  # the new run's first manifest, then nothing more
        writes.append(final)
        return len(writes) == 1

    fill_disk(monkeypatch, fits)
    full = night(path, out, "run.force=true")
    assert full.returncode == 74 and len(disk_full_lines(full.stderr)) == 1
    assert "Traceback" not in full.stderr
    dead = manifest(out)
    assert dead["status"] == "running" and dead["started"] >= started  # could not be replaced

    monkeypatch.undo()
    again = night(path, out)
    assert again.returncode == 0, again.stderr
    assert "died before finishing" in again.stderr
    finished = manifest(out)
    assert finished["status"] == "ok"
    assert finished["previous_run"] == {
        "started": dead["started"],
        "status": "died before finishing (killed, crashed, or its disk full)",
    }
    assert [r["id"] for r in records(out)] == ["story-00", "story-01", "story-02"]


def test_every_test_has_a_time_limit(request):
    assert request.config.pluginmanager.hasplugin("timeout")
    assert float(request.config.getini("timeout")) > 0
    assert request.node.get_closest_marker("timeout").args[0] > 0
