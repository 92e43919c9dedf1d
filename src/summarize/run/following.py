"""Following a story across nights: its page (a timeline) and the archive's feed.

Nightly stories runs (``experiment=nightly group=stories``) keep, under ``output.root``, one
page per story (``store.StoryPages``: ``story/<name>.json`` and ``.html``) and ``feed.xml``, an
Atom feed of the last nights' briefings. After the night's merge, ``follow_night`` adds the
night's entry to the page of each story the night briefed, and nothing else: a night's cost
follows the night, not the archive, and pages of closed stories stay as they were. Every entry
is a function of the night's stored results, so a rerun or a resume writes the same bytes.

What decides (which pages, which entries, which links) is here; the pages and the feed are
drawn by ``output.story`` and ``output.feed``; the files are written by ``store.StoryPages``
and ``store.atomic_write``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from omegaconf import DictConfig

from summarize.data import Cluster
from summarize.output.feed import FeedEntry, render_feed
from summarize.output.index import IndexEntry
from summarize.output.story import render_story_page
from summarize.run.ledger import Ledger
from summarize.run.store import ClusterResult, RunFolder, StoryPages, atomic_write, make_durable
from summarize.run.stories import GroupedNight

log = logging.getLogger("summarize")

NEW_SENTENCES = 3
"""What a timeline entry quotes of its night: at most this many sentences."""
FEED_NAME = "feed.xml"
NIGHT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def pages_root(cfg: DictConfig) -> Path | None:
    """``output.root`` when the run is a night of a nightly stories run (story pages are
    kept), else None."""
    root = (cfg.get("output") or {}).get("root")
    if cfg.get("night") and root and cfg.get("group"):
        return Path(root)
    return None


def link(source: Path, target: Path) -> str:
    """A relative link from a file in the folder ``source`` to ``target``, with ``/``."""
    return Path(os.path.relpath(target, source)).as_posix()


def linked_pages(cfg: DictConfig) -> tuple[Path, bool] | None:
    """Where a run's briefings link their stories' pages, and whether only to pages that
    exist: a night links to the pages it writes at its end; a catch-up (``since``) links to
    the pages of the archive it reads, those that are there (an archive made before story
    pages were kept has none)."""
    root = pages_root(cfg)
    if root is not None:
        return root, False
    archive = (cfg.get("output") or {}).get("root")
    if cfg.get("since") and archive:
        return Path(archive), True
    return None


def with_story_page(cluster: Cluster, briefing: Path, pages: tuple[Path, bool]) -> Cluster:
    """The cluster with its story page's link, as seen from its briefing file ``briefing``
    (``pages``: as ``linked_pages`` gives them)."""
    page = _page(cluster.id, pages)
    return (
        cluster
        if page is None
        else dataclasses.replace(cluster, story_page=link(briefing.parent, page))
    )


def with_page_links(
    entries: list[IndexEntry], folder: Path, pages: tuple[Path, bool]
) -> list[IndexEntry]:
    """A run's index entries (the index in ``folder``), each story's with its page's link."""
    out = []
    for entry in entries:
        page = None if entry.failure else _page(entry.id, pages)
        out.append(entry if page is None else dataclasses.replace(entry, page=link(folder, page)))
    return out


def _page(story_id: str, pages: tuple[Path, bool]) -> Path | None:
    root, only_existing = pages
    page = StoryPages(root).path(story_id, ".html")
    return None if only_existing and not page.is_file() else page


@dataclass(frozen=True)
class NightStory:
    """What the night knows of one of its stories."""

    id: str
    title: str
    first_night: str | None
    sources: tuple[str, ...]
    """Who published each of the night's articles of the story, in the cluster's order."""
    result: ClusterResult | None
    """The story's stored result tonight; None when its briefing failed."""


def follow_night(
    root: Path, night: str, output_dir: Path, stories: Iterable[NightStory], feed: dict
) -> None:
    """Adds tonight's entry to each of tonight's stories' pages, then writes the feed."""
    started = time.perf_counter()
    pages = StoryPages(root)
    written: list[Path] = []
    with pages.updating():
        for story in stories:
            entry = timeline_entry(story, night, output_dir, root)
            data = merged_page(pages.load(story.id), story, entry)
            written += pages.save(story.id, data, render_story_page(data, page_links(root, data)))
        make_durable(written)
        if int(feed.get("nights", 0)) > 0:
            write_feed(root, feed)
    count = len(written) // 2
    log.info("%d story pages updated in %s, and %s (%.1f s)", count, pages.folder,
             FEED_NAME if int(feed.get("nights", 0)) > 0 else "no feed",
             time.perf_counter() - started)  # fmt: skip


def timeline_entry(story: NightStory, night: str, output_dir: Path, root: Path) -> dict:
    """The story's entry for ``night``: its articles and outlets that night, what was new (the
    update's new sentences, or a first briefing's opening ones, at most ``NEW_SENTENCES``, each
    with who stated it), and its briefing's path relative to ``root``."""
    entry = {
        "night": night,
        "articles": len(story.sources),
        "outlets": sorted({outlet_name(s) for s in story.sources}),
        "new": [],
        "briefing": None,
    }
    if story.result is None:
        return entry
    record = json.loads(story.result.record)
    sentences = record.get("sentences") or []
    if "update" in record:
        sentences = [s for s in sentences if s.get("new")]
    entry["new"] = [
        {"text": s["text"], "sources": _stated_by(s, story.sources)}
        for s in sentences[:NEW_SENTENCES]
    ]
    briefing = briefing_file(story.result.files)
    if briefing is not None:
        entry["briefing"] = link(root, output_dir / briefing)
    if record.get("disagreements"):  # where the sources differ, when the briefing lists it
        entry["disagreements"] = record["disagreements"][:NEW_SENTENCES]
    return entry


def _stated_by(sentence: dict, sources: tuple[str, ...]) -> list[str]:
    """The outlets of tonight's articles that state ``sentence`` (earlier nights' articles,
    numbered after tonight's, are not tonight's news)."""
    named: list[str] = []
    for article in (sentence.get("article"), *(sentence.get("also_in") or ())):
        if isinstance(article, int) and 0 <= article < len(sources):
            name = outlet_name(sources[article])
            if name not in named:
                named.append(name)
    return named


def outlet_name(source: str) -> str:
    """An outlet as a reader names it: a URL's host without ``www.``, else as given."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.hostname:
        return parts.hostname.removeprefix("www.")
    return source


def briefing_file(files: list[str]) -> str | None:
    """The briefing a reader opens: the HTML page, else the first file."""
    return next((f for f in files if f.endswith(".html")), None) or next(iter(files), None)


def merged_page(earlier: dict | None, story: NightStory, entry: dict) -> dict:
    """The story's page data with ``entry`` in place of any earlier entry of its night,
    newest night first; the title is that of the newest night."""
    timeline = [e for e in (earlier or {}).get("timeline", []) if e.get("night") != entry["night"]]
    timeline = sorted([*timeline, entry], key=lambda e: e["night"], reverse=True)
    newest = timeline[0]["night"] == entry["night"]
    title = story.title if newest or not earlier else earlier.get("title") or story.title
    nights = [e["night"] for e in timeline]
    first = min([*nights, *([story.first_night] if story.first_night else [])])
    return {
        "id": story.id,
        "title": title,
        "first_night": first,
        "last_night": nights[0],
        "outlets": sorted({o for e in timeline for o in e.get("outlets", [])}),
        "timeline": timeline,
    }


def page_links(root: Path, data: dict) -> dict:
    """The links of a story page, relative to it: each night's briefing and index, the feed."""
    folder, timeline = StoryPages(root).folder, data["timeline"]
    return {
        "feed": link(folder, root / FEED_NAME),
        "briefings": {
            e["night"]: link(folder, root / e["briefing"]) for e in timeline if e.get("briefing")
        },
        "nights": {e["night"]: link(folder, root / e["night"] / "index.html") for e in timeline},
    }


def night_folders(root: Path) -> list[Path]:
    """The night folders (named YYYY-MM-DD) under a nightly ``root``, oldest first."""
    if not Path(root).is_dir():
        return []
    return sorted(
        (p for p in Path(root).iterdir() if NIGHT_NAME.match(p.name) and p.is_dir()),
        key=lambda p: p.name,
    )


def write_feed(root: Path, settings: dict) -> None:
    """``<root>/feed.xml``: the briefings of the last ``nights`` night folders, one entry per
    story and night, the ``entries`` largest stories (articles that night) kept."""
    nights = night_folders(root)[-int(settings["nights"]) :]
    candidates = []  # (articles, night, story) for every story of those nights
    for folder in nights:
        for story in _stories_of(folder):
            candidates.append((len(story.get("articles") or ()), folder, story))
    # The largest stories, then the newest; shown newest night first, largest first.
    kept = sorted(candidates, key=lambda c: (c[0], c[1].name, c[2]["id"]), reverse=True)
    kept = kept[: int(settings["entries"])]
    entries = []
    for articles, folder, story in sorted(
        kept, key=lambda c: (c[1].name, c[0], c[2]["id"]), reverse=True
    ):
        result = RunFolder(folder).stored(story["id"])
        briefing = briefing_file(result.files) if result is not None else None
        if briefing is None:
            continue
        record = json.loads(result.record)
        entries.append(
            FeedEntry(
                story=story["id"],
                night=folder.name,
                title=record.get("title") or story.get("title") or story["id"],
                record=record,
                articles=articles,
                briefing=link(root, folder / briefing),
                page=link(root, StoryPages(root).path(story["id"], ".html")),
            )
        )
    atomic_write(Path(root) / FEED_NAME, render_feed(entries, settings))


def _stories_of(folder: Path) -> list[dict]:
    """A night's ``stories.jsonl`` (a night without one, or with a damaged one, adds no
    entry to the feed, with a warning naming the file)."""
    path = folder / "stories.jsonl"
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        log.warning("%s unreadable (%s): its night is left out of the feed", path, error)
        return []


def night_stories(grouped: GroupedNight, ledger: Ledger) -> list[NightStory]:
    """Tonight's stories that were briefed, or failed, this run (not those an interruption
    left undone: their pages are updated by the run that finishes the night)."""
    found = []
    for story in grouped.stories:
        position = ledger.order.get(story["id"])
        if position is None or not (position in ledger.results or position in ledger.failures):
            continue
        found.append(
            NightStory(
                id=story["id"],
                title=story.get("title") or story["id"],
                first_night=story.get("first_night"),
                sources=grouped.sources.get(story["id"], ()),
                result=ledger.results.get(position),
            )
        )
    return found
