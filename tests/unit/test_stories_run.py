"""``group=stories`` end to end: loose articles in, stories summarized, followed night to night.

Real pipeline on the invented inbox of ``story_inbox`` (the TF-IDF embedder keeps it fast; the
grouping's default weights use TF-IDF of the text).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarize.run.driver import run
from summarize.run.worker import ClusterWorker

from ..conftest import compose_config
from ..story_inbox import NIGHT1, NIGHT2, NIGHT3_LATER

FAST = ("group=stories", "embedder=tfidf", "run.progress=log")


def write_jsonl(path: Path, records: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in records]
    path.write_text("\n".join([*lines[:2], *extra_lines, *lines[2:]]) + "\n", encoding="utf-8")
    return path


def stories(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "stories.jsonl").read_text().splitlines()]


def gold_groups(records: list[dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record in records:
        groups.setdefault(record["story"], set()).add(record["id"])
    return {frozenset(g) for g in groups.values()}


def test_a_loose_jsonl_becomes_its_stories_each_briefed(tmp_path):
    inbox = write_jsonl(tmp_path / "inbox.jsonl", NIGHT1 + NIGHT2)
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={inbox}", *FAST))
    assert report.failed == 0 and report.succeeded == 4
    found = stories(out)
    assert {frozenset(s["articles"]) for s in found} == gold_groups(NIGHT1 + NIGHT2)
    position = {r["id"]: n for n, r in enumerate(NIGHT1 + NIGHT2)}
    for story in found:
        assert [position[a] for a in story["articles"]] == sorted(
            position[a] for a in story["articles"]
        )
    summaries = [json.loads(line) for line in (out / "summaries.jsonl").read_text().splitlines()]
    assert {s["id"] for s in summaries} == {s["id"] for s in found}
    volcano = next(s for s in found if "volcano-ash-wire" in s["articles"])
    briefing = next(s for s in summaries if s["id"] == volcano["id"])
    assert "Keshar" in briefing["summary"]
    assert volcano["outlets"] == 2 and len(volcano["articles"]) == 4
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["grouping"]["pair_f1"] == metrics["grouping"]["bcubed_f1"] == 1.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stories"]["stories"] == 4 and manifest["stories"]["scores"]["bcubed_f1"] == 1.0
    page = (out / "index.html").read_text()
    # Largest story first, with its article and outlet counts.
    assert page.index("Keshar") < page.index("Quenland") < page.index("Ardmoor")
    assert "4 articles" in page and "2 outlets" in page


def test_a_loose_folder_becomes_its_stories(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for record in NIGHT1:
        suffix = ".md" if record["id"].startswith("chess") else ".txt"
        (inbox / f"{record['id']}{suffix}").write_text(f"{record['title']}\n\n{record['text']}\n")
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={inbox}", *FAST))
    assert report.failed == 0
    found = {frozenset(a.rsplit(".", 1)[0] for a in s["articles"]) for s in stories(out)}
    assert found == gold_groups(NIGHT1)
    assert "metrics.json" not in {p.name for p in out.iterdir()}  # no gold labels in files


def test_bad_article_lines_fail_alone(tmp_path):
    bad = ('{"id": "broken", "text": "no closing brace"', '{"id": "empty", "text": "  "}',
           '["a list, not an article"]', json.dumps(NIGHT1[0]))  # fmt: skip
    inbox = write_jsonl(tmp_path / "inbox.jsonl", NIGHT1, bad)
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={inbox}", *FAST))
    reasons = [f["reason"] for f in report.failures]
    assert len(reasons) == 4, reasons
    assert any("inbox.jsonl:3: malformed JSON" in r for r in reasons)
    assert any("inbox.jsonl:4: no 'text'" in r for r in reasons)
    assert any("inbox.jsonl:5: an article line must be a JSON object" in r for r in reasons)
    assert any("inbox.jsonl:6: article id 'harrow-bridge-wire' appears twice" in r for r in reasons)
    assert {frozenset(s["articles"]) for s in stories(out)} == gold_groups(NIGHT1)
    assert report.succeeded == 3


def nightly(root: Path, night: str, inbox: Path, *extra: str):
    cfg = compose_config(root / night, "experiment=nightly", f"input.path={inbox}",
                         f"output.root={root}", f"night={night}", "cache_dir=null", *FAST, *extra)  # fmt: skip
    return run(cfg)


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory):
    """Three nights: the volcano story runs on all three, the others on one night each."""
    base = tmp_path_factory.mktemp("nights")
    root = base / "briefings"
    nights = (("2031-04-02", NIGHT1), ("2031-04-03", NIGHT2), ("2031-04-08", NIGHT3_LATER))
    for night, records in nights:
        nightly(root, night, write_jsonl(base / f"{night}.jsonl", records))
    return base, root, nights


def story_of(folder: Path, article: str) -> dict:
    return next(s for s in stories(folder) if article in s["articles"])


def test_a_continuing_story_keeps_its_id_and_gets_an_update(three_nights):
    _, root, _ = three_nights
    first = story_of(root / "2031-04-02", "volcano-ash-wire")
    second = story_of(root / "2031-04-03", "volcano-day2-wire")
    third = story_of(root / "2031-04-08", "volcano-week-times")
    assert first["id"] == second["id"] == third["id"]
    assert (second["continues_since"], third["continues_since"]) == ("2031-04-02", "2031-04-03")
    records = {
        json.loads(line)["id"]: json.loads(line)
        for line in (root / "2031-04-03" / "summaries.jsonl").read_text().splitlines()
    }
    assert records[second["id"]]["update"]["since"] == "2031-04-02"
    rates = story_of(root / "2031-04-03", "rates-bank-wire")
    assert rates["continues_since"] is None and "update" not in records[rates["id"]]
    page = (root / "2031-04-03" / "index.html").read_text()
    assert "New since 2031-04-02" in page
    assert sorted(p.name for p in (root / "stories").iterdir()) == [
        "2031-04-02.jsonl", "2031-04-03.jsonl", "2031-04-08.jsonl"]  # fmt: skip
    manifest = json.loads((root / "2031-04-08" / "manifest.json").read_text())
    assert manifest["stories"]["continuing"] == 1


def test_a_rerun_and_a_killed_night_give_the_same_ids(three_nights, monkeypatch):
    base, root, nights = three_nights
    night, _ = nights[1]
    inbox = base / f"{night}.jsonl"
    expected = (root / night / "stories.jsonl").read_bytes()
    # The same night again, its own records already in the index: nothing links to itself.
    nightly(root, night, inbox)
    assert (root / night / "stories.jsonl").read_bytes() == expected
    # A night killed after its first story, then run again from the same index.
    calls = {"n": 0}
    original = ClusterWorker.__call__

    def dies_after_one(self, cluster, key):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return original(self, cluster, key)

    monkeypatch.setattr(ClusterWorker, "__call__", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        nightly(root, night, inbox, "run.force=true")
    monkeypatch.setattr(ClusterWorker, "__call__", original)
    report = nightly(root, night, inbox)
    assert (root / night / "stories.jsonl").read_bytes() == expected
    assert report.failed == 0 and report.manifest.counts.skipped >= 1
