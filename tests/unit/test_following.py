"""Following a story: its page across nights, the archive's feed, and the catch-up command.

Real nightly stories runs on the invented inbox of ``story_inbox`` (three nights; the volcano
story runs on all three), the TF-IDF embedder keeping them fast.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import feedparser
import pytest

from summarize.output.feed import FeedEntry, entry_id, render_feed
from summarize.output.story import render_story_page
from summarize.run.following import NightStory, timeline_entry
from summarize.run.store import ClusterResult, StoryPages

from ..helpers import records, run_cli
from ..story_inbox import NIGHT1, NIGHT2, NIGHT3_LATER
from .test_stories_run import killed_then_finished, nightly, stories, story_of, write_jsonl

NIGHTS = (("2031-04-02", NIGHT1), ("2031-04-03", NIGHT2), ("2031-04-08", NIGHT3_LATER))


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Three nights into one root; returns the base folder (inboxes) and the root."""
    base = tmp_path_factory.mktemp("following")
    root = base / "briefings"
    for night, articles in NIGHTS:
        report = nightly(root, night, write_jsonl(base / f"{night}.jsonl", articles))
        assert report.failed == 0
    return base, root


def page_of(root: Path, story: str) -> dict:
    return json.loads((root / "story" / f"{story}.json").read_text(encoding="utf-8"))


def links(page: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8"))


def leads_to_a_file(page: Path, href: str) -> bool:
    return (page.parent / href).resolve().is_file()


def snapshot(root: Path) -> dict[str, bytes]:
    files = [*sorted((root / "story").iterdir()), root / "feed.xml"]
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_a_continuing_story_has_one_entry_per_night_newest_first_with_working_links(archive):
    _, root = archive
    volcano = story_of(root / "2031-04-02", "volcano-ash-wire")["id"]
    page = page_of(root, volcano)
    assert [e["night"] for e in page["timeline"]] == ["2031-04-08", "2031-04-03", "2031-04-02"]
    assert [e["articles"] for e in page["timeline"]] == [1, 2, 2]
    assert (page["first_night"], page["last_night"]) == ("2031-04-02", "2031-04-08")
    assert page["title"] == NIGHT3_LATER[0]["title"]  # the newest night's
    assert page["outlets"] == ["Island Times", "Valley Wire"]
    texts = {a["id"]: a["text"] for a in NIGHT1 + NIGHT2 + NIGHT3_LATER}
    outlet = {a["id"]: a["source"] for a in NIGHT1 + NIGHT2 + NIGHT3_LATER}
    for entry in page["timeline"]:
        night = entry["night"]
        assert entry["briefing"] == f"{night}/briefings/{volcano}.html"
        assert (root / entry["briefing"]).is_file()
        tonight = story_of_id(root, night, volcano)
        assert 1 <= len(entry["new"]) <= 3
        for sentence in entry["new"]:
            # Each sentence is tonight's, and named by the outlets of tonight's articles.
            by = [a for a in tonight["articles"] if sentence["text"] in texts[a]]
            assert by and set(sentence["sources"]) <= {outlet[a] for a in tonight["articles"]}
            assert outlet[by[0]] in sentence["sources"]
    # Night two's update: what was new then, not night one's facts again.
    night1 = " ".join(texts[a] for a in ("volcano-ash-times", "volcano-ash-wire"))
    assert all(s["text"] not in night1 for s in page["timeline"][1]["new"])
    html = root / "story" / f"{volcano}.html"
    hrefs = links(html)
    for entry in page["timeline"]:
        assert f"../{entry['briefing']}" in hrefs
    assert "../feed.xml" in hrefs and all(leads_to_a_file(html, h) for h in hrefs)
    # Each night's index and each briefing (HTML and Markdown) link to the page.
    for night, _ in NIGHTS:
        index = root / night / "index.html"
        assert f"../story/{volcano}.html" in links(index)
        briefing = root / night / "briefings" / f"{volcano}.html"
        assert f"../../story/{volcano}.html" in links(briefing)
        assert all(leads_to_a_file(p, h) for p in (index, briefing) for h in links(p))
        markdown = (root / night / "briefings" / f"{volcano}.md").read_text()
        assert f"(../../story/{volcano}.html)" in markdown


def test_every_story_of_the_nights_has_a_page_and_only_those(archive):
    _, root = archive
    ids = {s["id"] for night, _ in NIGHTS for s in stories(root / night)}
    assert {p.stem for p in (root / "story").glob("*.json")} == ids
    assert {p.stem for p in (root / "story").glob("*.html")} == ids
    for story in ids - {story_of(root / "2031-04-02", "volcano-ash-wire")["id"]}:
        assert len(page_of(root, story)["timeline"]) == 1  # a story of one night


def test_a_rerun_and_a_killed_night_give_the_same_pages_and_feed(archive, tmp_path):
    base, built = archive
    root = tmp_path / "briefings"
    shutil.copytree(built, root, symlinks=True)
    expected = snapshot(root)
    night = NIGHTS[1][0]
    inbox = base / f"{night}.jsonl"
    again = nightly(root, night, inbox)
    assert again.manifest.counts.skipped == again.succeeded
    assert snapshot(root) == expected
    killed = killed_then_finished(root, night, inbox)
    assert killed.manifest.counts.skipped >= 1 and killed.failed == 0
    assert snapshot(root) == expected


def test_a_night_touches_only_its_own_stories_pages(archive, tmp_path):
    """The third night holds only the volcano story: every other page keeps its bytes and
    its file (no rewrite), so a night's cost follows the night, not the archive."""
    base, built = archive
    root = tmp_path / "briefings"
    shutil.copytree(built, root, symlinks=True)
    before = {p.name: p.stat().st_mtime_ns for p in (root / "story").iterdir()}
    volcano = story_of(root / "2031-04-08", "volcano-week-times")["id"]
    nightly(root, "2031-04-08", base / "2031-04-08.jsonl")
    after = {p.name: p.stat().st_mtime_ns for p in (root / "story").iterdir()}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {f"{volcano}.json", f"{volcano}.html"}


def test_the_feed_is_atom_with_an_entry_per_story_and_night_and_stable_ids(archive, tmp_path):
    base, built = archive
    feed = feedparser.parse((built / "feed.xml").read_bytes())
    assert feed.version == "atom10" and not feed.bozo, feed.get("bozo_exception")
    expected = [(night, s["id"]) for night, _ in reversed(NIGHTS) for s in
                sorted(stories(built / night), key=lambda s: -len(s["articles"]))]  # fmt: skip
    assert [e.id for e in feed.entries] == [entry_id(s, n) for n, s in expected]
    assert len({e.id for e in feed.entries}) == len(expected) == 6
    first = feed.entries[0]
    volcano = expected[0][1]
    assert first.title == f"{NIGHT3_LATER[0]['title']} (2031-04-08)"
    assert first.updated == "2031-04-08T00:00:00Z"
    rels = {link.rel: link.href for link in first.links}
    assert rels == {"alternate": f"2031-04-08/briefings/{volcano}.html",
                    "related": f"story/{volcano}.html"}  # fmt: skip
    assert all((built / href).is_file() for href in rels.values())
    record = next(r for r in map(json.loads, (built / "2031-04-08" / "summaries.jsonl").open()))
    assert first.summary == record["sentences"][0]["text"]
    assert record["sentences"][-1]["text"].replace("'", "&#x27;") in first.content[0].value
    # The same archive again, with a cap and absolute links: the kept entries keep their ids.
    root = tmp_path / "briefings"
    shutil.copytree(built, root, symlinks=True)
    night = NIGHTS[1][0]
    nightly(root, night, base / f"{night}.jsonl", "output.feed.entries=2",
            "output.feed.base_url=https://news.example/b/")  # fmt: skip
    capped = feedparser.parse((root / "feed.xml").read_bytes())
    largest = sorted(expected, key=lambda e: -len(story_of_id(built, *e)["articles"]))[:2]
    assert {e.id for e in capped.entries} == {entry_id(s, n) for n, s in largest}
    assert all(link.href.startswith("https://news.example/b/") for e in capped.entries
               for link in e.links)  # fmt: skip
    nightly(root, night, base / f"{night}.jsonl", "output.feed.nights=1")
    last = feedparser.parse((root / "feed.xml").read_bytes())
    assert [e.id for e in last.entries] == [entry_id(volcano, "2031-04-08")]


def story_of_id(root: Path, night: str, story: str) -> dict:
    return next(s for s in stories(root / night) if s["id"] == story)


def test_hostile_text_is_escaped_on_the_page_and_in_the_feed():
    title = 'Bridge <script>alert(1)</script> "falls"\x01'
    entry = {"night": "2031-04-02", "articles": 1, "outlets": ["<b>Wire</b>"],
             "new": [{"text": "It <img src=x onerror=alert(1)> fell.", "sources": ["<b>Wire</b>"]}],
             "briefing": "2031-04-02/briefings/x.html"}  # fmt: skip
    data = {"id": "x", "title": title, "first_night": "2031-04-02", "last_night": "2031-04-02",
            "outlets": ["<b>Wire</b>"], "timeline": [entry]}  # fmt: skip
    page = render_story_page(data, {"feed": "../feed.xml", "briefings": {}, "nights": {}})
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page
    record = {"title": title, "sentences": [{"text": "It <b>fell</b>\x02\ud800."}]}
    feed = render_feed(
        [
            FeedEntry(
                "x", "2031-04-02", title, record, 1, "2031-04-02/briefings/x.html", "story/x.html"
            )
        ],
        {"title": "Briefings"},
    )
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title.startswith("Bridge <script>")  # text, shown as written


def catch_up(root: Path, *extra: str):
    return run_cli("experiment=catchup", f"output.root={root}", "cache_dir=null",
                   "embedder=tfidf", "run.progress=log", *extra, cwd=root.parent)  # fmt: skip


def test_catching_up_briefs_each_story_since_the_date_as_an_update_of_what_came_before(archive):
    _, root = archive
    finished = catch_up(root, "since=2031-04-03")
    assert finished.returncode == 0, finished.stderr
    folder = root / "catchup" / "2031-04-03"
    volcano = story_of(root / "2031-04-02", "volcano-ash-wire")["id"]
    rates = story_of(root / "2031-04-03", "rates-bank-wire")["id"]
    found = {r["id"]: r for r in records(folder)}
    # The stories with articles since the date, the largest first; the others are left out.
    assert list(found) == [volcano, rates]
    # The volcano story: an update of night one (its articles and briefing) from the
    # articles of nights two and three; the rates story began on the date: a full briefing.
    assert found[volcano]["update"] == {"since": "2031-04-02", "previous_articles": 2}
    assert "update" not in found[rates]
    cluster = json.loads((folder / "input.jsonl").read_text().splitlines()[0])
    later = {a["text"] for a in NIGHT2 + NIGHT3_LATER if a["id"].startswith("volcano")}
    assert {d["text"] for d in cluster["documents"]} == later
    night1 = next(r for r in records(root / "2031-04-02") if r["id"] == volcano)
    assert cluster["previous_summary"] == [s["text"] for s in night1["sentences"]]
    assert all(s["text"] not in {d["text"] for d in cluster["previous_documents"]}
               for s in found[volcano]["sentences"])  # fmt: skip
    index = (folder / "index.html").read_text()
    assert "What you missed since 2031-04-03" in index and "New since 2031-04-02" in index
    # Each briefing and the catch-up's index lead to the story's page in the archive.
    for story in (volcano, rates):
        briefing = folder / "briefings" / f"{story}.html"
        assert [h for h in links(briefing) if h.endswith(f"story/{story}.html")]
        assert all(leads_to_a_file(briefing, h) for h in links(briefing) if "story/" in h)
        assert f"../../story/{story}.html" in links(folder / "index.html")
    # Since the last night: the volcano story alone, against both earlier nights.
    finished = catch_up(root, "since=2031-04-08")
    assert finished.returncode == 0, finished.stderr
    (last,) = records(root / "catchup" / "2031-04-08")
    assert last["id"] == volcano
    assert last["update"] == {"since": "2031-04-03", "previous_articles": 4}


@pytest.mark.parametrize(
    "since, root, message",
    [
        ("since=yesterday", "briefings", "since=yesterday: not a date; write it as YYYY-MM-DD"),
        (
            "since=2031-05-01",
            "briefings",
            "nothing since then in {root}: its last night is 2031-04-08",
        ),
        ("since=2031-04-03", "nowhere", "output.root={root}: no nightly stories archive there"),
        ("since=", "briefings", "since is required: pass since=YYYY-MM-DD"),
    ],
    ids=["not-a-date", "after-the-last-night", "no-archive", "missing"],
)
def test_a_bad_catch_up_is_a_clear_error_and_leaves_nothing_behind(archive, since, root, message):
    base, _ = archive
    before = sorted(base.rglob("*"))
    finished = catch_up(base / root, since)
    assert finished.returncode == 2
    assert message.format(root=base / root) in finished.stderr
    assert sorted(base.rglob("*")) == before


def test_a_night_whose_briefing_lists_where_sources_differ_shows_it_on_the_page(tmp_path):
    """The briefing's ``disagreements`` (when the briefings list them) reach the timeline
    entry and the page, each figure with its outlet."""
    differ = [{"about": "people who fled", "variants": [
        {"text": "About 3,000 people fled.", "article": 0, "source": "Island Times"},
        {"text": "Some 2,500 people fled.", "article": 1, "source": "Valley Wire"}]}]  # fmt: skip
    record = {"sentences": [{"text": "Mount Keshar erupted.", "article": 0, "also_in": [1]}],
              "disagreements": differ}  # fmt: skip
    result = ClusterResult(id="keshar", key="k", source="s", record=json.dumps(record),
                           files=["briefings/keshar.html"])  # fmt: skip
    story = NightStory(
        "keshar", "Keshar erupts", "2031-04-02", ("Island Times", "Valley Wire"), result
    )
    entry = timeline_entry(story, "2031-04-02", tmp_path / "2031-04-02", tmp_path)
    assert entry["new"] == [
        {"text": "Mount Keshar erupted.", "sources": ["Island Times", "Valley Wire"]}
    ]
    assert entry["briefing"] == "2031-04-02/briefings/keshar.html"
    assert entry["disagreements"] == differ
    data = {"id": "keshar", "title": "Keshar erupts", "first_night": "2031-04-02",
            "last_night": "2031-04-02", "outlets": entry["outlets"], "timeline": [entry]}  # fmt: skip
    page = render_story_page(data, {"feed": "../feed.xml", "briefings": {}, "nights": {}})
    assert "Sources differ" in page
    assert "About 3,000 people fled. (Island Times); Some 2,500 people fled. (Valley Wire)" in page


def test_two_runs_updating_the_pages_of_one_root_take_turns(tmp_path):
    """A backfill night beside the nightly run: the second waits for the first's pages, so
    neither's timeline entry is lost (each reads the pages the other wrote)."""
    order: list[str] = []

    def second() -> None:
        with StoryPages(tmp_path).updating():
            order.append("second")

    with StoryPages(tmp_path).updating():
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        order.append("first")
    thread.join(30)
    assert order == ["first", "second"]
