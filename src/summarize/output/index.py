"""The run's front page (``index.html``): every briefing with its lede and sources, failures
flagged, in the page style of the briefings."""

from __future__ import annotations

import html
from dataclasses import dataclass

from summarize.output.render import STORY_LINK, counted, page
from summarize.output.safe_text import printable

_STYLE = "a.story{font:.8em system-ui,sans-serif;white-space:nowrap}"


@dataclass(frozen=True)
class IndexEntry:
    """One line of a run's index: a briefing, or a cluster that failed."""

    id: str
    title: str | None = None
    first_sentence: str | None = None
    sources: int = 0
    link: str | None = None
    failure: str | None = None

    words: int = 0
    since: str | None = None
    """For an update briefing: the night of the briefing it updates."""
    articles: int | None = None
    """``group=stories``: the story's articles tonight and its outlets (sources named)."""
    outlets: int | None = None
    page: str | None = None
    """Nightly stories runs: the link to the story's page (its timeline)."""

    @classmethod
    def from_record(cls, record: dict, files: list[str], sources: int) -> IndexEntry:
        sentences = record.get("sentences") or []
        link = next((f for f in files if f.endswith(".html")), None) or next(iter(files), None)
        return cls(
            id=record["id"],
            title=record.get("title"),
            first_sentence=sentences[0]["text"] if sentences else None,
            sources=sources,
            link=link,
            words=int(record.get("words") or 0),
            since=(record.get("update") or {}).get("since"),
        )


def render_index(entries: list[IndexEntry], title: str, manifest=None) -> str:
    """The run's front page: every briefing with its lede and sources, failures flagged."""
    failed = sum(1 for e in entries if e.failure)
    summary = counted(len(entries) - failed, "briefing")
    if failed:
        summary += f", {failed} failed"
    rows = []
    for entry in entries:
        name = html.escape(entry.title or printable(entry.id))
        if entry.failure:
            rows.append(
                f'<tr><td><strong>{name}</strong><br><span class="failed">failed:</span> '
                f'{html.escape(entry.failure)}</td><td class="n"></td></tr>\n'
            )
            continue
        heading = f'<a href="{html.escape(entry.link)}">{name}</a>' if entry.link else name
        lede = html.escape(entry.first_sentence or "")
        if entry.since:
            lede = f'<em class="update">New since {html.escape(entry.since)}:</em> {lede}'
        if entry.page:
            lede += (
                f' <a class="story" href="{html.escape(entry.page)}">{STORY_LINK}&nbsp;&rsaquo;</a>'
            )
        counts = counted(entry.sources, "source")
        if entry.articles is not None:  # outlets unknown (no source given): say nothing of them
            counts = counted(entry.articles, "article")
            if entry.outlets:
                counts += f"<br>{counted(entry.outlets, 'outlet')}"
        rows.append(
            f"<tr><td><strong>{heading}</strong><br>{lede}</td>"
            f'<td class="n">{counts}<br>{entry.words} words</td></tr>\n'
        )
    body = (
        f'<h1>{html.escape(title)}</h1>\n<p class="meta">{summary}</p>\n'
        f"<table>\n{''.join(rows)}</table>\n"
    )
    return page(title, body, style=_STYLE if any(e.page for e in entries) else "")
