"""Nightly operation: resumable, idempotent runs, one run per folder, crash and signal safety.

These run the real command line as a subprocess on the bundled sample's text (``embedder=tfidf``
keeps them fast) and kill it for real.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarize.run.driver import SAMPLE_DIR, run
from summarize.run.store import RunLock
from summarize.run.worker import ClusterWorker, build_summarizer

from .conftest import compose_config

SAMPLE = SAMPLE_DIR / "ostrey-bridge-collapse"
CLUSTERS = 14


def sample_articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.iterdir())]


def inbox(folder: Path, clusters: int = CLUSTERS, grow: set[int] = frozenset()) -> Path:
    """A JSONL inbox of distinct stories built from the sample's articles.

    Cluster ``i`` takes a different subset of the articles plus one line of its own, so every
    briefing differs; clusters in ``grow`` get one more article (a story that grew overnight).
    """
    articles = sample_articles()
    lines = []
    for number in range(clusters):
        chosen = [articles[(number + k) % len(articles)] for k in range(3)]
        chosen[0] += (
            f"\n\nInspectors said on day {number + 2} that pier {number + 1} of the Ostrey Street "
            f"Bridge showed {number + 3} new cracks in its lifting machinery."
        )
        if number in grow:
            chosen.append(
                "Divers recovered a fourth car from the Tallis River on Thursday, the fire "
                "department said, and the city council voted to fund a temporary ferry service."
            )
        lines.append(json.dumps({"id": f"story-{number:02d}", "documents": chosen}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "inbox.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*overrides: str, cwd: Path, wait: bool = True, timeout: float = 600):
    command = [sys.executable, "-m", "summarize", "embedder=tfidf", "run.progress=log", *overrides]
    if not wait:
        return subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "summaries.jsonl").read_text().splitlines()]


def every_file_parses(folder: Path) -> None:
    """No half-written file anywhere: every JSON parses, every page ends where it should."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        assert not path.name.endswith(".part"), f"temporary file left behind: {path}"
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                json.loads(line)
        elif path.suffix == ".html":
            assert path.read_text().rstrip().endswith("</html>"), path
        elif path.suffix == ".md":
            assert "## Sources" in path.read_text(), path


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> tuple[Path, bytes]:
    """An uninterrupted run over the inbox: what every interrupted run must end up with."""
    root = tmp_path_factory.mktemp("reference")
    path = inbox(root)
    out = root / "out"
    result = cli(f"input.path={path}", f"output.dir={out}", cwd=root)
    assert result.returncode == 0, result.stderr
    return path, (out / "summaries.jsonl").read_bytes()


def test_rerun_skips_complete_clusters_and_redoes_changed_ones(tmp_path):
    path = inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    first = compose_config(out, f"input.path={path}", "embedder=tfidf")
    report = run(first)
    assert (report.manifest.counts.done, report.manifest.counts.skipped) == (CLUSTERS, 0)
    expected = (out / "summaries.jsonl").read_bytes()

    again = run(compose_config(out, f"input.path={path}", "embedder=tfidf"))
    assert (again.manifest.counts.done, again.manifest.counts.skipped) == (0, CLUSTERS)
    assert (out / "summaries.jsonl").read_bytes() == expected
    assert manifest(out)["counts"] == {
        "clusters": CLUSTERS, "done": 0, "skipped": CLUSTERS, "failed": 0,
        "articles": 3 * CLUSTERS, "words": sum(r["words"] for r in records(out)),
        "warnings": 0, "succeeded": CLUSTERS,
    }  # fmt: skip

    grown = inbox(tmp_path / "inbox", grow={2, 7})  # the scraper adds to two stories
    report = run(compose_config(out, f"input.path={grown}", "embedder=tfidf"))
    assert (report.manifest.counts.done, report.manifest.counts.skipped) == (2, CLUSTERS - 2)
    by_id = {r["id"]: r for r in records(out)}
    assert [r["id"] for r in records(out)] == [f"story-{n:02d}" for n in range(CLUSTERS)]
    assert "*4 articles" in (out / "briefings" / "story-02.md").read_text()
    assert "*3 articles" in (out / "briefings" / "story-03.md").read_text()
    assert manifest(out)["counts"]["articles"] == 3 * CLUSTERS + 2
    assert by_id["story-03"] == json.loads(expected.splitlines()[3])

    changed_config = run(compose_config(out, f"input.path={grown}", "embedder=tfidf",
                                        "budget.words=120"))  # fmt: skip
    assert changed_config.manifest.counts.done == CLUSTERS
    forced = run(compose_config(out, f"input.path={grown}", "embedder=tfidf", "budget.words=120",
                                "run.force=true"))  # fmt: skip
    assert (forced.manifest.counts.done, forced.manifest.counts.skipped) == (CLUSTERS, 0)


def test_clusters_gone_from_the_input_leave_the_folder(tmp_path):
    path = inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    run(compose_config(out, f"input.path={path}", "embedder=tfidf"))
    smaller = inbox(path.parent, clusters=3)
    run(compose_config(out, f"input.path={smaller}", "embedder=tfidf"))
    assert [r["id"] for r in records(out)] == ["story-00", "story-01", "story-02"]
    names = sorted(p.name for p in (out / "briefings").iterdir())
    assert names == sorted(f"story-0{n}{s}" for n in range(3) for s in (".md", ".html"))
    index = (out / "index.html").read_text()
    assert "story-03" not in index and index.count('href="briefings/') == 3


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0, 1, 6])
def test_sigkill_at_any_point_then_rerun_finishes_the_job(reference_run, tmp_path, kill_after):
    path, expected = reference_run
    out = tmp_path / "out"
    # An earlier complete run in the same folder, then a forced run killed part way.
    assert cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path).returncode == 0
    previous = (out / "summaries.jsonl").read_bytes()
    process = cli(f"input.path={path}", f"output.dir={out}", "run.force=true", cwd=tmp_path,
                  wait=False)  # fmt: skip
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
    every_file_parses(out)

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


@pytest.mark.slow
def test_sigterm_stops_after_the_current_cluster_and_leaves_it_resumable(reference_run, tmp_path):
    path, expected = reference_run
    out = tmp_path / "out"
    process = cli(f"input.path={path}", f"output.dir={out}", cwd=tmp_path, wait=False)
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


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["input.path=/no/such/inbox"], "input.path=/no/such/inbox: no such file or folder"),
        (["budget.words=0"], "budget.words must be a whole number >= 1, got 0"),
        (["rewriter=transformers"], "rewriter.model is required: pass rewriter.model="),
        (["rewriter=llama_cpp", "rewriter.model=/no/model.gguf"],
         "rewriter.model=/no/model.gguf: no such file or folder"),
        (["dedup.threshold=3"], "dedup: dedup.threshold must be in (0, 1], got 3"),
        (["budget.words=many"], "budget.words"),
    ],
)  # fmt: skip
def test_usage_mistakes_get_one_clear_line_and_status_2(overrides, message, tmp_path):
    out = tmp_path / "out"
    result = cli(*overrides, f"output.dir={out}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_help_describes_the_tool(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "summarize", "--help"], cwd=tmp_path, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0
    for expected in ("one briefing from a cluster", "input.path", "experiment=nightly", "Exit"):
        assert expected in result.stdout


def test_resolved_config_prints_from_any_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "summarize", "experiment=nightly", "night=2026-11-30",
         "--cfg", "job", "--resolve"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dir: outputs/nightly/2026-11-30" in result.stdout


def test_nightly_runs_write_one_folder_a_night_with_an_index(reference_run, tmp_path):
    path, expected = reference_run
    root = tmp_path / "nights"
    for night in ("2026-11-30", "2026-12-01"):
        result = subprocess.run(
            [sys.executable, "-m", "summarize", "experiment=nightly", "embedder=tfidf",
             f"input.path={path}", f"output.root={root}", f"night={night}",
             f"cache_dir={tmp_path / 'cache'}"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        folder = root / night
        if night == "2026-11-30":
            assert (folder / "summaries.jsonl").read_bytes() == expected
        else:  # nothing new since the first night: the full briefings again, saying so
            again = records(folder)
            assert [r["id"] for r in again] == [json.loads(x)["id"] for x in expected.splitlines()]
            assert all("no new article since the briefing of 2026-11-30" in " ".join(r["warnings"])
                       for r in again)  # fmt: skip
        assert (folder / ".hydra" / "config.yaml").is_file()
        assert "story-00" in (folder / "summarize.log").read_text()
        assert (root / "latest").resolve() == folder.resolve()
        index = (folder / "index.html").read_text()
        assert f"Briefings for {night}" in index
        assert index.count('href="briefings/') == CLUSTERS
        assert 'name="viewport"' in index
    assert not (tmp_path / "outputs").exists(), "no second dated folder under ./outputs"


def test_a_built_worker_and_summarizer_pickle(sample_cluster, tmp_path):
    cfg = compose_config(tmp_path, "embedder=tfidf")
    summarizer = build_summarizer(cfg)
    copy = pickle.loads(pickle.dumps(summarizer))
    assert copy.summarize(sample_cluster).text == summarizer.summarize(sample_cluster).text
    from omegaconf import OmegaConf

    worker = ClusterWorker(OmegaConf.to_container(cfg, resolve=True))
    outcome = worker(sample_cluster, key="k")
    clone = pickle.loads(pickle.dumps(worker))
    assert clone(sample_cluster, key="k").result.record == outcome.result.record
    assert os.path.exists(SAMPLE)


def test_many_clusters_spread_briefings_over_subfolders_and_the_index_links_them(tmp_path):
    path = inbox(tmp_path / "inbox", clusters=5)
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={path}", "embedder=tfidf", "run.shard_over=3"))
    assert report.manifest.counts.done == 5
    assert not list((out / "briefings").glob("*.html"))  # none directly in briefings/
    pages = sorted((out / "briefings").glob("*/*.html"))
    assert len(pages) == 5 and len({p.parent for p in pages}) > 1
    index = (out / "index.html").read_text()
    for page in pages:
        assert f'href="{page.relative_to(out)}"' in index


def test_a_story_briefed_on_an_earlier_night_gets_an_update_briefing(tmp_path):
    root, cache = tmp_path / "nights", tmp_path / "cache"
    path = inbox(tmp_path / "inbox", clusters=3)

    def night(date: str) -> Path:
        result = subprocess.run(
            [sys.executable, "-m", "summarize", "experiment=nightly", "embedder=tfidf",
             f"input.path={path}", f"output.root={root}", f"night={date}", f"cache_dir={cache}"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return root / date

    first = {r["id"]: r for r in records(night("2026-11-30"))}
    assert all("update" not in r for r in first.values())  # first seen: full briefings
    inbox(tmp_path / "inbox", clusters=3, grow={1})  # the scraper adds an article to story-01
    second_folder = night("2026-12-01")
    second = {r["id"]: r for r in records(second_folder)}
    update = second["story-01"]
    assert update["update"] == {"since": "2026-11-30", "previous_articles": 3}
    assert all(s["new"] for s in update["sentences"])
    assert {s["article"] for s in update["sentences"]} == {3}  # the one new article
    assert "Divers recovered a fourth car" in update["summary"]
    old_facts = {s["text"] for s in first["story-01"]["sentences"]}
    assert not old_facts & {s["text"] for s in update["sentences"]}
    page = (second_folder / "briefings" / "story-01.html").read_text()
    assert "New since 2026-11-30" in page
    assert "New since 2026-11-30" in (second_folder / "index.html").read_text()
    # stories with nothing new get their full briefing again, and say so
    assert "update" not in second["story-00"]
    assert any("no new article since" in w for w in second["story-00"]["warnings"])
