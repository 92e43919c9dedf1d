"""Presentation: a story's page, its timeline across nights (``<output.root>/story/<name>.html``).

Drawn from the page's data (``run.following`` builds it, ``store.StoryPages`` keeps it): the
story's title, when it was followed, its outlets, then one entry per night, newest first, with
what was new that night, who said it, and a link to that night's briefing. Every text comes
from the input and is escaped.
"""

from __future__ import annotations

import datetime as dt
import html

from summarize.output.render import counted, page
from summarize.output.safe_text import printable

_STYLE = (
    "nav{font:.85em system-ui,sans-serif;margin-bottom:1.2em}nav a{margin-right:1em}"
    "ol.timeline{list-style:none;padding:0;margin:0;border-left:2px solid #d0d7e2;"
    "padding-left:1.1em}ol.timeline>li{position:relative;margin:0 0 1.8em}"
    "ol.timeline>li:before{content:'';position:absolute;left:-1.55em;top:.45em;width:.7em;"
    "height:.7em;border-radius:50%;background:#1a5fb4}"
    "h3{font:600 1em system-ui,sans-serif;margin:0 0 .2em}"
    "ul.new{margin:.4em 0 0;padding-left:1.1em}ul.new li{margin:.35em 0}"
    ".by{font:.78em system-ui,sans-serif;color:#666;white-space:nowrap}"
    ".differ{font:.9em system-ui,sans-serif;background:#fff8e6;border-left:3px solid #e0a800;"
    "padding:.4em .7em;margin:.6em 0 0}.differ ul{margin:.2em 0;padding-left:1.1em}"
)


def render_story_page(data: dict, links: dict) -> str:
    """The page of a story from its data; ``links`` (relative to the page): ``feed``, and per
    night its ``briefings`` and ``nights`` (the night's index)."""
    title = printable(data.get("title") or data["id"], limit=None)
    timeline = data.get("timeline") or []
    nights = len(timeline)
    outlets = data.get("outlets") or []
    latest = links["nights"].get(data.get("last_night"))
    nav = [f'<a href="{html.escape(links["feed"])}">Feed</a>']
    if latest:
        nav.insert(
            0, f'<a href="{html.escape(latest)}">All stories of {_day(data["last_night"])}</a>'
        )
    body = [
        f"<nav>{''.join(nav)}</nav>\n",
        f"<h1>{html.escape(title)}</h1>\n",
        f'<p class="meta">Followed from {_day(data["first_night"])} to '
        f"{_day(data['last_night'])} &middot; {counted(nights, 'night')} with articles &middot; "
        f"{counted(len(outlets), 'outlet')}</p>\n",
    ]
    if outlets:
        body.append(f"<p>Reported by {html.escape(', '.join(_plain(o) for o in outlets))}.</p>\n")
    body.append('<h2>Timeline</h2>\n<ol class="timeline">\n')
    body += [_entry_html(entry, links, first=entry["night"] == data["first_night"])
             for entry in timeline]  # fmt: skip
    body.append("</ol>\n")
    return page(f"{title}: the story so far", "".join(body), style=_STYLE)


def _entry_html(entry: dict, links: dict, first: bool) -> str:
    night = entry["night"]
    briefing = links["briefings"].get(night)
    heading = _day(night)
    if briefing:
        heading = f'<a href="{html.escape(briefing)}">{heading}</a>'
    outlets = ", ".join(_plain(o) for o in entry.get("outlets") or [])
    meta = counted(int(entry.get("articles") or 0), "article")
    if outlets:
        meta += f" from {html.escape(outlets)}"
    if first:
        meta += " &middot; first reported"
    if briefing:
        meta += f' &middot; <a href="{html.escape(briefing)}">the briefing</a>'
    else:
        meta += " &middot; no briefing (it failed that night)"
    parts = [
        f'<li id="night-{html.escape(night)}"><h3><time datetime="{html.escape(night)}">'
        f"{heading}</time></h3>\n",
        f'<p class="meta">{meta}</p>\n',
    ]
    new = entry.get("new") or []
    if new:
        parts.append('<ul class="new">\n')
        parts += [
            f"<li>{html.escape(_plain(s['text']))}"
            + (f' <span class="by">({html.escape(", ".join(map(_plain, s["sources"])))})</span>'
               if s.get("sources") else "")
            + "</li>\n"
            for s in new
        ]  # fmt: skip
        parts.append("</ul>\n")
    differ = entry.get("disagreements") or []
    if differ:
        parts.append('<div class="differ">Sources differ:<ul>\n')
        for item in differ:
            variants = "; ".join(
                f"{_plain(v.get('text', ''))} ({_plain(v.get('source', ''))})"
                for v in item.get("variants") or []
            )
            about = f"{_plain(item['about'])}: " if item.get("about") else ""
            parts.append(f"<li>{html.escape(about + variants)}</li>\n")
        parts.append("</ul></div>\n")
    parts.append("</li>\n")
    return "".join(parts)


def _day(night: str) -> str:
    """``2031-04-08`` as a reader says it: ``Tue 8 April 2031``."""
    try:
        day = dt.date.fromisoformat(night[:10])
    except ValueError:
        return html.escape(printable(night))
    return f"{day:%a} {day.day} {day:%B %Y}"


def _plain(text: object) -> str:
    return printable(text, limit=None)
