"""``group=stories``: a night's loose articles become the clusters the pipeline summarizes.

Reads the inbox (``stages.group.inbox``: a bad line or file fails alone), cleans every article
(so page debris cannot glue stories together), groups them (``StoryGrouper``) and, in nightly
runs, links tonight's stories to the story index under ``output.root`` (``StoryLinker``,
persisted by ``store.StoryIndex``, comparing tonight's articles with the open window's,
``window_articles``): a story that continues an earlier one keeps its id, so
``history.with_history`` makes its briefing an update. Its history is what its reader has
read: the articles of its earlier nights (``GroupedNight.history``, read back from the
index's articles files) and the newest earlier briefing.
The index and the night's articles are written before any story is summarized; a night reads
only the nights before it, so a rerun or a resume after a kill gives the same stories, ids
and histories.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig

from summarize.data import Article, Cluster
from summarize.run.history import wants_history
from summarize.run.store import StoryIndex, atomic_write
from summarize.stages.group import LooseArticle, Story, StoryRecord, digest, grouping_scores
from summarize.stages.group.features import Splitter
from summarize.stages.group.inbox import ArticleFailure, InboxArticle, read_inbox
from summarize.stages.group.notices import boilerplate_reason
from summarize.stages.ingest import ClusterFailure

log = logging.getLogger("summarize")
STORIES_FILE = "stories.jsonl"


@dataclass
class GroupedNight:
    """The night's stories as clusters to summarize, plus what the run reports about them."""

    clusters: list[Cluster]
    failures: list[ArticleFailure]
    stories: list[dict]
    """One record per story, the lines of ``stories.jsonl``."""
    report: dict = field(default_factory=dict)
    history: dict[str, tuple[Article, ...]] = field(default_factory=dict)
    """Per continuing story (nightly runs with update briefings): the articles of its earlier
    nights, which its reader has read."""
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per story, who published each of its articles, in the cluster's article order: the
    outlet, else the article's id (for the story pages' "who said it")."""

    def items(self) -> Iterator[Cluster | ClusterFailure]:
        """Failed articles first (each fails alone), then one cluster per story."""
        for failure in self.failures:
            yield ClusterFailure(f"article {failure.id}", failure.where, failure.reason)
        yield from self.clusters


def group_night(cfg: DictConfig, input_path: Path) -> GroupedNight:
    """Reads, cleans, groups and (nightly) links the inbox at ``input_path``."""
    cleaner = instantiate(cfg.cleaner)
    read: list[InboxArticle] = []
    cleaned: list[LooseArticle] = []
    failures: list[ArticleFailure] = []
    splitter = instantiate(cfg.splitter)
    skipped: list[dict] = []
    for item in read_inbox(input_path, int(cfg.input.max_bytes)):
        if isinstance(item, ArticleFailure):
            log.warning("%s", item.reason)
            failures.append(item)
            continue
        raw = Article(index=0, text=item.text, source=item.where, title=item.title, date=item.date)
        article = cleaner.clean(cleaner.cap(raw)[0])
        # A page that is all debris (a cookie or paywall page) or holds no sentence a briefing
        # could use (a caption, a list of links) is no mistake in the inbox: it is skipped, as
        # inside a cluster, and listed; it can neither make a story nor fail the night.
        reason = _nothing_to_brief(article, splitter)
        if reason:
            log.warning("skipped %s: %s", item.where, reason)
            skipped.append({"id": item.id, "where": item.where, "reason": reason})
            continue
        read.append(item)
        cleaned.append(
            LooseArticle(id=item.id, text=article.text, title=article.title or item.title,
                         date=item.date, source=item.source)
        )  # fmt: skip
    grouper = instantiate(cfg.group.grouper)
    stories = grouper.group(cleaned, instantiate(cfg.embedder), splitter)
    stories, skipped_stories = _without_page_notices(stories, cleaned)
    digests = {a.id: digest(a.text) for a in cleaned}
    continued: dict[str, str] = {}
    first_night: dict[str, str] = {}
    history: dict[str, tuple[Article, ...]] = {}
    night, root = cfg.get("night"), (cfg.get("output") or {}).get("root")
    if night and root:
        index = StoryIndex(Path(root))
        linker = instantiate(cfg.group.linker)
        since = open_since(str(night), linker.close_after_days)
        records = [StoryRecord.from_json(r) for r in index.records(str(night), since)]
        window = window_articles(index, records, str(night))
        compared = {key: LooseArticle(id=a["id"], text=a["text"], title=a["title"], date=a["date"])
                    for key, a in window.items()}  # fmt: skip
        compared.update(((str(night), a.id), a) for a in cleaned)
        linking = linker.link(stories, digests, str(night), records, compared)
        index.save_articles(
            str(night),
            [{"id": a.id, "text": a.text, "title": a.title, "date": a.date, "where": m.where}
             for a, m in zip(cleaned, read, strict=True)],
        )  # fmt: skip
        index.save(str(night), [r.to_json() for r in linking.records])
        stories = linking.stories
        continued = {sid: earlier.last_night for sid, earlier in linking.continued.items()}
        first_night = {r.id: r.first_night for r in linking.records}
        if continued and wants_history(cfg):
            history = earlier_articles(window, records, set(continued), str(night))
    by_id = {item.id: item for item in read}
    clusters, records, sources = [], [], {}
    for story in stories:
        members = [by_id[a] for a in story.articles]
        sources[story.id] = tuple(m.source or m.id for m in members)
        clusters.append(
            Cluster(
                id=story.id,
                title=story.title,
                source=f"{input_path}#{story.id}",
                articles=tuple(
                    Article(index=n, text=m.text, source=m.where, title=m.title, date=m.date)
                    for n, m in enumerate(members)
                ),
            )
        )
        outlets = {m.source for m in members if m.source}
        dates = sorted(m.date for m in members if m.date)
        records.append(
            {
                "id": story.id,
                "title": story.title,
                "articles": list(story.articles),
                "outlets": len(outlets),
                "latest": dates[-1] if dates else None,
                "continues_since": continued.get(story.id),
                "first_night": first_night.get(story.id),
            }
        )
    report = {
        "articles": len(cleaned),
        "failed_articles": len(failures),
        "skipped_articles": skipped,
        "skipped_stories": skipped_stories,
        "stories": len(stories),
        "continuing": len(continued),
        "new": len(stories) - len(continued),
    }
    gold = [item.story for item in read]
    if read and all(label is not None for label in gold):
        story_of = {a: s.id for s in stories for a in s.articles}
        story_of.update({a: s["id"] for s in skipped_stories for a in s["articles"]})
        report["scores"] = grouping_scores(gold, [story_of[i.id] for i in read])
    return GroupedNight(clusters, failures, records, report, history, sources)


def _without_page_notices(
    stories: list[Story], articles: list[LooseArticle]
) -> tuple[list[Story], list[dict]]:
    """The stories worth a briefing, and the skipped ones with their reason: a "story" made
    only of page notices (crawl notices, cookie or paywall pages the cleaner let through) is
    no news, so it is neither briefed nor kept in the story index."""
    text = {a.id: a.text for a in articles}
    kept, skipped = [], []
    for story in stories:
        reason = boilerplate_reason([text[a] for a in story.articles])
        if reason:
            log.warning("skipped story %s (%d articles): %s", story.id, len(story.articles), reason)
            skipped.append({"id": story.id, "articles": list(story.articles), "reason": reason})
        else:
            kept.append(story)
    return kept, skipped


def _nothing_to_brief(article: Article, splitter: Splitter) -> str | None:
    """Why a cleaned article can add nothing to a briefing, if it cannot."""
    if not article.text.strip():
        return "no story text left after cleaning"
    if not splitter.split(article)[0]:
        return "no sentence long enough to summarize"
    return None


def open_since(night: str, close_after_days: int) -> str:
    """The first night whose stories can still be open tonight: a story not seen for more
    than ``close_after_days`` days is closed, so older nights of the index are never read."""
    first = dt.date.fromisoformat(night[:10]) - dt.timedelta(days=close_after_days)
    return first.isoformat()


def window_articles(index: StoryIndex, records: list[StoryRecord], night: str) -> dict:
    """``(night, article id) -> stored article`` for every article of the open window's
    records (the index's articles files): what tonight's stories are compared with, and the
    history of the continuing ones. A night whose articles file is missing or damaged adds
    nothing (``StoryIndex.articles`` warns once, naming the file): its stories are compared by
    their index profile and briefed against their earlier briefing alone."""
    wanted: dict[str, set[str]] = {}
    for record in records:
        if record.night < night:
            wanted.setdefault(record.night, set()).update(record.articles)
    return index.articles(wanted, before=night)


def earlier_articles(
    window: dict[tuple[str, str], dict], records: list[StoryRecord], stories: set[str], night: str
) -> dict[str, tuple[Article, ...]]:
    """Per story of ``stories``, the articles of its nights before ``night`` in the open
    window (``window_articles``), oldest night first, each text once."""
    ours = sorted((r for r in records if r.id in stories and r.night < night),
                  key=lambda r: r.night)  # fmt: skip
    history: dict[str, dict[str, Article]] = {}  # story -> text digest -> its first article
    for record in ours:
        kept = history.setdefault(record.id, {})
        for article_id in record.articles:
            found = window.get((record.night, article_id))
            if found is not None:  # index 0: ``Cluster.with_previous`` numbers read articles
                kept.setdefault(digest(found["text"]), Article(
                    index=0, text=found["text"], source=found["where"], title=found["title"],
                    date=found["date"]))  # fmt: skip
    return {story: tuple(kept.values()) for story, kept in history.items() if kept}


def write_stories(output_dir: Path, stories: list[dict]) -> None:
    """``stories.jsonl``: the contract other tools read, written atomically."""
    import json

    lines = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in stories)
    atomic_write(Path(output_dir) / STORIES_FILE, lines)
