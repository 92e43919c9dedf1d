"""Nightly operation in one process: reruns skip what is complete and redo what changed,
clusters gone from the input leave the folder, one dated folder a night with its index, and a
story seen on an earlier night gets an update briefing. (Killing a run for real is in
tests/e2e/test_crash_safety.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from summarize.run.driver import run

from ..conftest import compose_config
from ..helpers import CLUSTERS, inbox, manifest, records, run_cli


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


def test_nightly_runs_write_one_folder_a_night_with_an_index(tmp_path):
    path = inbox(tmp_path / "inbox")
    run(compose_config(tmp_path / "reference", f"input.path={path}", "embedder=tfidf"))
    expected = (tmp_path / "reference" / "summaries.jsonl").read_bytes()
    root = tmp_path / "nights"
    for night in ("2026-11-30", "2026-12-01"):
        result = run_cli("experiment=nightly", "embedder=tfidf", f"input.path={path}",
                         f"output.root={root}", f"night={night}",
                         f"cache_dir={tmp_path / 'cache'}", cwd=tmp_path)  # fmt: skip
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
        result = run_cli("experiment=nightly", "embedder=tfidf", f"input.path={path}",
                         f"output.root={root}", f"night={date}", f"cache_dir={cache}",
                         cwd=tmp_path)  # fmt: skip
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
