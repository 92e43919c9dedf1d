"""Presentation: the Atom 1.0 feed of a nightly archive's last briefings (``feed.xml``).

Written with the standard library's ElementTree, not ``feedgen``: feedgen 1.0.0 (its latest
release) writes an entry's links with their ``href`` only, dropping ``rel`` and ``type``
(lkiesow/python-feedgen#135, open), so an entry's two links (the briefing, the story's page)
would both read as ``alternate``, which Atom forbids.

Nothing in the feed comes from the clock: an entry's ``updated`` is its night (midnight UTC),
the feed's is its newest night, and ids are derived from the story and the night, so the same
archive gives the same bytes and a reader sees a rerun as nothing new.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from summarize.output.render import _paragraphs, counted
from summarize.output.safe_text import printable

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://summarize.invalid/feed")
"""Where the feed's ``urn:uuid`` ids are drawn from (a fixed namespace: stable ids)."""
GENERATOR = "summarize"
ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    """A story's briefing of one night, as the feed shows it."""

    story: str
    night: str
    title: str
    record: dict
    """The briefing's line of ``summaries.jsonl``."""
    articles: int
    briefing: str
    """Link to the briefing, relative to the feed."""
    page: str
    """Link to the story's page, relative to the feed."""


def entry_id(story: str, night: str) -> str:
    """The same story on the same night is the same entry, in any run."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{story}/{night}')}"


def render_feed(entries: list[FeedEntry], settings: dict) -> bytes:
    """The feed of ``entries`` (newest first); ``settings``: ``title`` and ``base_url`` (links
    are made absolute with it; without it they are relative to the feed's own address)."""
    base = str(settings.get("base_url") or "")
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _add(feed, "id", f"urn:uuid:{uuid.uuid5(NAMESPACE, base or 'feed')}")
    _add(feed, "title", settings.get("title") or "Briefings")
    _add(feed, "updated", _midnight(max((e.night for e in entries), default="1970-01-01")))
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = GENERATOR
    _link(feed, f"{base}feed.xml", "self", "application/atom+xml")
    _add(feed, "generator", GENERATOR)
    for entry in entries:
        item = ET.SubElement(feed, "entry")
        _add(item, "id", entry_id(entry.story, entry.night))
        _add(item, "title", f"{entry.title} ({entry.night})")
        _add(item, "updated", _midnight(entry.night))
        _add(item, "published", _midnight(entry.night))
        _link(item, f"{base}{entry.briefing}", "alternate", "text/html", "The briefing")
        _link(item, f"{base}{entry.page}", "related", "text/html", "The story so far")
        sentences = entry.record.get("sentences") or []
        if sentences:
            _add(item, "summary", sentences[0]["text"])
        _add(item, "content", _content(entry, base)).set("type", "html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _add(parent: ET.Element, tag: str, text: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _text(text)
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str, title: str = "") -> None:
    attributes = {
        "href": _text(href),
        "rel": rel,
        "type": kind,
        **({"title": title} if title else {}),
    }
    ET.SubElement(parent, "link", attributes)


def _content(entry: FeedEntry, base: str) -> str:
    """The briefing as HTML: its update line, its paragraphs (the lede alone, as on the
    briefing's page) and links to the briefing and the story's page."""
    record = entry.record
    parts = []
    since = (record.get("update") or {}).get("since")
    if "update" in record:
        parts.append(f"<p><em>New since {_escaped(since or 'your last briefing')}</em></p>")
    texts = [s["text"] for s in record.get("sentences") or []]
    parts += [f"<p>{' '.join(_escaped(t) for t in p)}</p>" for p in _paragraphs(texts)]
    parts.append(
        f"<p>{counted(entry.articles, 'article')} &middot; "
        f'<a href="{html.escape(base + entry.briefing)}">the briefing, with its sources</a> '
        f'&middot; <a href="{html.escape(base + entry.page)}">the story so far</a></p>'
    )
    return "".join(parts)


def _midnight(night: str) -> str:
    """A night's date as an Atom date: its midnight, UTC (never the clock)."""
    return f"{dt.date.fromisoformat(night[:10]).isoformat()}T00:00:00Z"


def _text(text: object) -> str:
    """Article-derived text as XML can hold it: controls shown escaped, never raw."""
    return _NOT_XML.sub("\ufffd", printable(text, limit=None))


def _escaped(text: object) -> str:
    return html.escape(_text(text), quote=False)  # text between tags: < > & are enough
