"""``group=stories`` end to end: loose articles in, stories summarized, followed night to night.

Real pipeline on the invented inbox of ``story_inbox`` (the TF-IDF embedder keeps it fast; the
grouping's default weights use TF-IDF of the text).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summarize.run.driver import run
from summarize.run.worker import ClusterWorker

from ..conftest import compose_config
from ..helpers import records, run_cli
from ..story_inbox import NIGHT1, NIGHT2, NIGHT3_LATER, VOLCANO_RETOLD

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


def test_an_article_with_nothing_to_brief_is_skipped_and_the_night_does_not_fail(tmp_path, caplog):
    """A cookie page or a photo caption in the inbox is no mistake of the scraper's: skipped
    and listed, not a failure, so a night of real pages can exit 0."""
    cookie = {"id": "cookie-wall", "text": "We use cookies to improve your experience. Accept "
              "all cookies. Manage preferences. Privacy policy. Terms of use."}  # fmt: skip
    caption = {"id": "photo-caption", "text": "Ash over Tavora. Photo: Reuters."}
    inbox = write_jsonl(tmp_path / "inbox.jsonl", [*NIGHT1, cookie, caption])
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={inbox}", *FAST))
    assert report.failures == [] and report.succeeded == 3
    assert {frozenset(s["articles"]) for s in stories(out)} == gold_groups(NIGHT1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert manifest["stories"]["skipped_articles"] == [
        {"id": "cookie-wall", "where": f"{inbox}:{len(NIGHT1) + 1}",
         "reason": "no story text left after cleaning"},
        {"id": "photo-caption", "where": f"{inbox}:{len(NIGHT1) + 2}",
         "reason": "no sentence long enough to summarize"},
    ]  # fmt: skip
    assert "skipped" in caplog.text and "no story text left after cleaning" in caplog.text


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
    for night, articles in nights:
        nightly(root, night, write_jsonl(base / f"{night}.jsonl", articles))
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
    assert records[second["id"]]["update"] == {"since": "2031-04-02", "previous_articles": 2}
    later = {r["id"]: r for r in map(json.loads, (root / "2031-04-08" / "summaries.jsonl").open())}
    # The reader has read the story's articles of both earlier nights, not just the newest's.
    assert later[third["id"]]["update"] == {"since": "2031-04-03", "previous_articles": 4}
    rates = story_of(root / "2031-04-03", "rates-bank-wire")
    assert rates["continues_since"] is None and "update" not in records[rates["id"]]
    page = (root / "2031-04-03" / "index.html").read_text()
    assert "New since 2031-04-02" in page
    for folder in (root / "stories", root / "stories" / "articles"):
        assert sorted(p.name for p in folder.glob("*.jsonl")) == [
            "2031-04-02.jsonl", "2031-04-03.jsonl", "2031-04-08.jsonl"]  # fmt: skip
    manifest = json.loads((root / "2031-04-08" / "manifest.json").read_text())
    assert manifest["stories"]["continuing"] == 1


def test_a_rerun_and_a_killed_night_give_the_same_ids(three_nights):
    base, root, nights = three_nights
    night, _ = nights[1]
    inbox = base / f"{night}.jsonl"
    expected = (root / night / "stories.jsonl").read_bytes()
    # The same night again, its own records already in the index: nothing links to itself,
    # and every story has the same history (part of its key), so every briefing is kept.
    again = nightly(root, night, inbox)
    assert (root / night / "stories.jsonl").read_bytes() == expected
    assert again.manifest.counts.skipped == again.succeeded == len(stories(root / night))
    # A night killed after its first story, then run again from the same index.
    report = killed_then_finished(root, night, inbox)
    assert (root / night / "stories.jsonl").read_bytes() == expected
    assert report.failed == 0 and report.manifest.counts.skipped >= 1


def killed_then_finished(root: Path, night: str, inbox: Path):
    """The night redone (``run.force``) and killed after its first story, then run again:
    the report of the run that finished it."""
    calls = {"n": 0}
    original = ClusterWorker.__call__

    def dies_after_one(self, cluster, key):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return original(self, cluster, key)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClusterWorker, "__call__", dies_after_one)
        with pytest.raises(KeyboardInterrupt):
            nightly(root, night, inbox, "run.force=true")
    return nightly(root, night, inbox)


LAVA = "lava was flowing into an uninhabited valley"
RELIEF = "relief fund of two million dollars"
SHORT = ("budget.words=40",)
"""Night one's volcano briefing then leaves out ``LAVA``, a fact of one of its articles."""


def nightly_cli(root: Path, night: str, inbox: Path, *extra: str):
    return run_cli("experiment=nightly", f"input.path={inbox}", f"output.root={root}",
                   f"night={night}", "cache_dir=null", *FAST, *SHORT, *extra, cwd=root.parent)  # fmt: skip


@pytest.fixture(scope="module")
def first_night(tmp_path_factory):
    """Night one briefed in short; night two's volcano story holds only ``VOLCANO_RETOLD``."""
    base = tmp_path_factory.mktemp("history")
    root = base / "briefings"
    finished = nightly_cli(root, "2031-04-02", write_jsonl(base / "night1.jsonl", NIGHT1))
    assert finished.returncode == 0, finished.stderr
    volcano = story_of(root / "2031-04-02", "volcano-ash-wire")["id"]
    briefing = next(r for r in records(root / "2031-04-02") if r["id"] == volcano)
    assert LAVA not in briefing["summary"]
    night2 = write_jsonl(base / "night2.jsonl", [*NIGHT2[2:], VOLCANO_RETOLD])
    return root, night2, volcano


def second_night(first_night, tmp_path: Path, spoil=None):
    """Night two in a copy of the first night's root (``spoil`` may damage it first): the
    volcano story's summary record, the cluster the pipeline got for it, and what was printed."""
    root, inbox, volcano = first_night
    copy = tmp_path / "briefings"
    shutil.copytree(root, copy, symlinks=True)
    if spoil is not None:
        spoil(copy / "stories" / "articles" / "2031-04-02.jsonl")
    handed = {}
    original = ClusterWorker.__call__

    def spy(self, cluster, key):
        handed[cluster.id] = cluster
        return original(self, cluster, key)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClusterWorker, "__call__", spy)
        finished = nightly_cli(copy, "2031-04-03", inbox)
    assert finished.returncode == 0, finished.stderr
    record = next(r for r in records(copy / "2031-04-03") if r["id"] == volcano)
    return record, handed[volcano], finished.stderr


def test_a_continuing_story_with_only_new_articles_is_an_update_against_its_earlier_articles(
    first_night, tmp_path
):
    record, cluster, _ = second_night(first_night, tmp_path)
    # The history is night one's articles (not tonight's: they are all new) and its briefing.
    assert [a.text for a in cluster.articles] == [VOLCANO_RETOLD["text"]]
    night1 = {r["id"]: r["text"] for r in NIGHT1}
    assert [a.text for a in cluster.previous_articles] == [
        night1["volcano-ash-times"], night1["volcano-ash-wire"]]  # fmt: skip
    assert cluster.previous_summary and cluster.since == "2031-04-02"
    # The fact the reader read in a night-one article is not news tonight; the new one is.
    assert RELIEF in record["summary"] and LAVA not in record["summary"]
    assert record["update"] == {"since": "2031-04-02", "previous_articles": 2}


def cut_mid_line(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def without_the_volcano(path: Path) -> None:
    path.write_text("".join(line for line in path.open() if "volcano" not in line))


@pytest.mark.parametrize(
    "spoil, problem",
    [
        (Path.unlink, "is missing"),
        (cut_mid_line, "is damaged (line 1 is not JSON"),
        (without_the_volcano, "is damaged (2 of the articles its index names are not in it"),
    ],
    ids=["missing", "cut", "incomplete"],
)
def test_a_missing_or_damaged_articles_file_leaves_only_the_earlier_briefing(
    first_night, tmp_path, spoil, problem
):
    record, cluster, printed = second_night(first_night, tmp_path, spoil)
    path = tmp_path / "briefings" / "stories" / "articles" / "2031-04-02.jsonl"
    warnings = [line for line in printed.splitlines() if str(path) in line]
    assert len(warnings) == 1 and problem in warnings[0], printed
    # As before the articles were kept: an update against night one's briefing alone.
    assert cluster.previous_articles == () and cluster.previous_summary
    assert LAVA in record["summary"] and RELIEF in record["summary"]
    assert record["update"] == {"since": "2031-04-02", "previous_articles": 0}


def test_nights_older_than_the_open_window_are_never_read(first_night, tmp_path):
    """A story not seen for more than ``close_after_days`` is closed, so a night opens only the
    index files of the window: an index damaged long ago costs nothing and warns of nothing,
    and a story last seen before the window starts afresh."""
    root, inbox, volcano = first_night
    copy = tmp_path / "briefings"
    shutil.copytree(root, copy, symlinks=True)
    for folder in (copy / "stories", copy / "stories" / "articles"):
        (folder / "2031-03-01.jsonl").write_text("{not json\n", encoding="utf-8")
    finished = nightly_cli(copy, "2031-04-03", inbox)
    assert finished.returncode == 0, finished.stderr
    assert "2031-03-01" not in finished.stderr
    assert story_of(copy / "2031-04-03", "volcano-day2-radio")["id"] == volcano
    # Ten days later the volcano story is closed (7 days): the same articles start a new one.
    later = nightly_cli(copy, "2031-04-13", inbox)
    assert later.returncode == 0, later.stderr
    fresh = story_of(copy / "2031-04-13", "volcano-day2-radio")
    assert fresh["id"] != volcano and fresh["continues_since"] is None


def test_only_continuing_stories_look_for_an_earlier_briefing(first_night, tmp_path, monkeypatch):
    """A new story has no earlier briefing to find, so a night of thousands of stories does
    not search every earlier night for each of them."""
    from summarize.run import history

    root, inbox, volcano = first_night
    copy = tmp_path / "briefings"
    shutil.copytree(root, copy, symlinks=True)
    looked: list[str] = []
    original = history.previous_result

    def spy(nights, cluster_id):
        looked.append(cluster_id)
        return original(nights, cluster_id)

    monkeypatch.setattr(history, "previous_result", spy)
    finished = nightly_cli(copy, "2031-04-03", inbox)
    assert finished.returncode == 0, finished.stderr
    assert len(stories(copy / "2031-04-03")) > 1
    assert looked == [volcano]


def test_a_story_of_page_notices_is_skipped_and_unknown_outlets_go_unsaid(tmp_path):
    """Three pages that are only a web archive's crawl notice pass the cleaner (they read as
    sentences) and group together; that "story" is skipped with its reason, never briefed.
    The inbox names no outlet, so the index says nothing of outlets (not "0 outlets")."""
    notices = [
        {"id": f"archived-page-{n}", "text": f"This page was saved by an automated crawler {n} "
         "days ago as part of an effort to keep a web archive of public pages. The crawl "
         "started from a list of news sites. Archived copies are kept for researchers and may "
         "be out of date."}
        for n in (2, 5, 9)
    ]  # fmt: skip
    news = [{k: v for k, v in r.items() if k != "source"} for r in NIGHT1]
    inbox = write_jsonl(tmp_path / "inbox.jsonl", [*news, *notices])
    out = tmp_path / "out"
    report = run(compose_config(out, f"input.path={inbox}", *FAST))
    assert report.failures == [] and report.succeeded == 3
    assert {frozenset(s["articles"]) for s in stories(out)} == gold_groups(NIGHT1)
    manifest = json.loads((out / "manifest.json").read_text())
    (skipped,) = manifest["stories"]["skipped_stories"]
    assert sorted(skipped["articles"]) == sorted(n["id"] for n in notices)
    assert "page notice" in skipped["reason"]
    page = (out / "index.html").read_text()
    assert "3 articles" in page and "outlet" not in page
