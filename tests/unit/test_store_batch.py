"""The store's batches of finished clusters (``store.ResultBatch``) and the driver's flushes.

A crash is simulated without killing anything: a batch that is dropped before its flush, a
flush cut short by an error, or a copy of the output folder taken while the run is going on
(what a SIGKILL at that moment leaves: every write the process handed to the kernel). The
real kill tests are ``tests/e2e/test_crash_safety.py`` and ``tests/e2e/test_crash_local.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summarize.run import store
from summarize.run.driver import Runner
from summarize.run.executors.local import LocalExecutor
from summarize.run.store import ClusterResult, ResultBatch, RunFolder

from ..conftest import compose_config
from ..helpers import inbox, records

FORMATS = (".md", ".html")


def finished(cluster_id: str, key: str, words: str) -> tuple[ClusterResult, dict[str, str]]:
    """A finished cluster as a worker hands it over: its result and rendered briefings."""
    record = json.dumps({"id": cluster_id, "summary": words})
    result = ClusterResult(id=cluster_id, key=key, source="inbox.jsonl", record=record)
    rendered = {".md": f"# {cluster_id}\n\n{words}\n", ".html": f"<p>{words}</p>\n</html>\n"}
    return result, rendered


def briefing_texts(folder: RunFolder, cluster_id: str) -> list[str]:
    return [folder.briefing_path(cluster_id, s).read_text(encoding="utf-8") for s in FORMATS]


def test_flushed_clusters_are_complete_and_a_batch_never_flushed_leaves_nothing(tmp_path):
    folder = RunFolder(tmp_path)
    first = ResultBatch(folder)
    first.add(*finished("ferry", "k1", "The ferry runs again."))
    first.add(*finished("pier", "k1", "Pier four has new cracks."))
    assert len(first) == 2
    assert folder.load("ferry", "k1") is None  # added is not stored
    first.flush()
    assert len(first) == 0
    crashed = ResultBatch(folder)  # its process dies before the flush
    crashed.add(*finished("council", "k1", "The council funds a temporary ferry."))
    del crashed

    resumed = RunFolder(tmp_path)
    ferry = resumed.load("ferry", "k1")
    assert ferry is not None and json.loads(ferry.record)["summary"] == "The ferry runs again."
    assert ferry.files == ["briefings/ferry.md", "briefings/ferry.html"]
    assert briefing_texts(resumed, "pier") == [
        "# pier\n\nPier four has new cracks.\n",
        "<p>Pier four has new cracks.</p>\n</html>\n",
    ]
    assert resumed.load("council", "k1") is None  # redone by the next run
    assert not resumed.briefing_path("council", ".md").exists()
    assert not list(tmp_path.rglob("*.part"))


def test_a_flush_cut_short_leaves_no_marker_vouching_for_other_briefings(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path)
    before = ResultBatch(folder)
    before.add(*finished("ferry", "old-config", "The ferry may run in May."))
    before.add(*finished("pier", "old-config", "Pier four has new cracks."))
    before.flush()

    writes = []
    real_write = store.atomic_write

    def dies_after_one_write(path, data, durable=True):
        if writes:
            raise OSError("the process dies here")
        writes.append(path)
        real_write(path, data, durable)

    monkeypatch.setattr(store, "atomic_write", dies_after_one_write)
    redo = ResultBatch(folder)
    redo.add(*finished("ferry", "new-config", "The ferry runs again."))
    with pytest.raises(OSError, match="the process dies here"):
        redo.flush()
    monkeypatch.undo()

    resumed = RunFolder(tmp_path)
    assert writes == [resumed.briefing_path("ferry", ".md")]  # the new text is on disk ...
    assert "The ferry runs again." in briefing_texts(resumed, "ferry")[0]
    assert resumed.load("ferry", "old-config") is None  # ... and no old marker vouches for it
    assert resumed.load("ferry", "new-config") is None
    assert resumed.load("pier", "old-config") is not None  # another cluster: untouched
    assert not list(tmp_path.rglob("*.part"))


def test_no_marker_is_written_before_the_briefings_it_vouches_for_are_durable(
    tmp_path, monkeypatch
):
    """The power-loss half of the invariant: a result file is written only after the fsyncs of
    its briefing files, and everything is durable when ``flush`` returns."""
    folder = RunFolder(tmp_path, shard=True)
    earlier = ResultBatch(folder)
    earlier.add(*finished("story-03", "old", "Old text."))
    earlier.flush()
    events: list[tuple[str, set[Path]]] = []
    real_write, real_durable = store.atomic_write, store.make_durable

    def write(path, data, durable=True):
        assert not durable, "a batch pays for durability once, not per file"
        events.append(("write", {Path(path)}))
        real_write(path, data, durable)

    def durable(files, folders=()):
        files, folders = list(files), list(folders)
        events.append(("durable", {*files, *folders, *(p.parent for p in files)}))
        real_durable(files, folders)

    monkeypatch.setattr(store, "atomic_write", write)
    monkeypatch.setattr(store, "make_durable", durable)
    batch = ResultBatch(folder)
    ids = [f"story-{n:02d}" for n in range(12)]
    for cluster_id in ids:
        batch.add(*finished(cluster_id, "new", f"Pier {cluster_id} has cracks."))
    batch.flush()

    rounds = [paths for kind, paths in events if kind == "durable"]
    assert len(rounds) == 3  # for 12 clusters, 24 briefings and 12 markers
    assert rounds[0] == {folder.result_path("story-03").parent}  # the replaced marker's removal
    made_durable: set[Path] = set()
    for kind, paths in events:
        if kind == "durable":
            made_durable |= paths
            continue
        (path,) = paths
        if path.parent.parent.name == store.RESULTS:
            cluster_id = path.stem
            vouched = {folder.briefing_path(cluster_id, s) for s in FORMATS}
            assert vouched <= made_durable, f"{path} written before its briefings were durable"
            assert {p.parent for p in vouched} <= made_durable  # their names too
    written = {path for kind, paths in events if kind == "write" for path in paths}
    assert len(written) == 36 and written <= made_durable
    assert all(folder.load(cluster_id, "new") is not None for cluster_id in ids)


class Watched:
    """The local executor, calling ``look(n)`` before it hands over the n-th outcome: the
    moment at which a test copies the output folder, as a SIGKILL then would leave it."""

    def __init__(self, look) -> None:
        self.look = look
        self.local = LocalExecutor()

    def map(self, worker, tasks, on_start=None):
        for number, outcome in enumerate(self.local.map(worker, tasks, on_start)):
            self.look(number)
            yield outcome


def stored(folder: Path) -> int:
    return len(list((folder / store.RESULTS).glob("*/*.json")))


def test_a_run_copied_at_any_moment_resumes_to_the_same_bytes(tmp_path):
    path = inbox(tmp_path / "inbox", clusters=7)
    settings = (f"input.path={path}", "embedder=tfidf", "run.progress=log")
    out = tmp_path / "out"
    on_disk = []

    def snapshot(number: int) -> None:
        on_disk.append(stored(out))
        shutil.copytree(out, tmp_path / f"killed-{number}")

    cfg = compose_config(out, *settings, "run.flush_every=3", "run.flush_seconds=600")
    report = Runner(cfg, executor=Watched(snapshot)).run()
    assert report.succeeded == 7
    assert on_disk == [0, 0, 0, 3, 3, 3, 6]  # stored three by three, the last at the end
    expected = (out / "summaries.jsonl").read_bytes()

    for number in (2, 4):  # a crash mid-batch: the batch is redone, nothing else
        killed = tmp_path / f"killed-{number}"
        resumed = Runner(compose_config(killed, *settings)).run()
        counts = resumed.manifest.counts
        assert (counts.skipped, counts.done) == (on_disk[number], 7 - on_disk[number])
        assert (killed / "summaries.jsonl").read_bytes() == expected


class StoppedAfter(Watched):
    """Ctrl-C after ``count`` outcomes."""

    def __init__(self, count: int) -> None:
        def interrupt(number: int) -> None:
            if number == count:
                raise KeyboardInterrupt

        super().__init__(interrupt)


def test_an_interrupted_run_stores_what_finished_before_the_stop(tmp_path):
    path = inbox(tmp_path / "inbox", clusters=6)
    settings = (f"input.path={path}", "embedder=tfidf", "run.progress=log")
    out = tmp_path / "out"
    cfg = compose_config(out, *settings, "run.flush_every=100", "run.flush_seconds=600")
    with pytest.raises(KeyboardInterrupt):
        Runner(cfg, executor=StoppedAfter(4)).run()
    assert stored(out) == 4
    assert len(records(out)) == 4

    resumed = Runner(compose_config(out, *settings)).run()
    assert (resumed.manifest.counts.skipped, resumed.manifest.counts.done) == (4, 2)
    assert [r["id"] for r in records(out)] == [f"story-{n:02d}" for n in range(6)]


def test_a_run_removes_the_temporary_files_of_a_writer_killed_mid_write(tmp_path, caplog):
    path = inbox(tmp_path / "inbox", clusters=3)
    out = tmp_path / "out"
    settings = (f"input.path={path}", "embedder=tfidf", "run.progress=log")
    Runner(compose_config(out, *settings)).run()
    expected = (out / "summaries.jsonl").read_bytes()
    # What a SIGKILL inside ``atomic_writer`` leaves: the temporary beside the real file.
    briefing = next((out / "briefings").rglob("*.md"))
    left = [briefing.with_name(f".{briefing.name}.x1.part"), out / ".summaries.jsonl.x2.part"]
    for partial in left:
        partial.write_text("half a fi", encoding="utf-8")
    resumed = Runner(compose_config(out, *settings)).run()
    assert resumed.manifest.counts.skipped == 3
    assert not any(p.exists() for p in left) and not list(out.rglob("*.part"))
    assert (out / "summaries.jsonl").read_bytes() == expected
    assert "removed 2 temporary files" in caplog.text
