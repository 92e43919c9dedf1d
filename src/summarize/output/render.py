"""Presentation: a briefing as a JSON line with provenance, as Markdown and as an HTML page.

Renderers only render; the driver and the store decide where the text goes and write it
atomically (the run's front page is ``index``). A briefing's JSON line depends only on the
input and the configuration (no timings, no output paths), so two runs can be compared with
``cmp``.

Readers see sources numbered from 1 in the order of the cluster's articles; the JSON keeps the
article's index in the input (from 0), which is what a program needs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from summarize.data import Article, Briefing, Cluster
from summarize.output import FORMATS
from summarize.output.safe_text import markdown_code, markdown_text, printable

SUFFIXES = {"markdown": ".md", "html": ".html"}
SENTENCES_PER_PARAGRAPH = 3
STORY_LINK = "The story so far"
"""The words of a briefing's link to its story's page (nightly stories runs)."""
DISAGREEMENTS_SHOWN = 3
"""The "Sources differ" section shows the most salient few; the record keeps them all."""


def briefing_record(briefing: Briefing, cluster: Cluster) -> dict:
    sources = {a.index: a.source for a in _articles(briefing, cluster)}
    update = "update" in briefing.details  # plain briefings keep their bytes
    record = {
        "id": briefing.cluster_id,
        "title": briefing.title,
        "summary": briefing.text,
        "words": briefing.words,
        "sentences": [
            {
                "text": s.text,
                "article": s.article,
                "sentence": s.position,
                "source": sources.get(s.article),
                "also_in": list(s.also_in),
                **({"rewritten": True} if s.rewritten else {}),
                **({"new": not s.background, "background": s.background} if update else {}),
            }
            for s in briefing.sentences
        ],
        "warnings": list(briefing.warnings),
    }
    if briefing.disagreements is not None:
        record["disagreements"] = [
            {
                "about": d.about,
                "in_briefing": d.in_briefing,
                "variants": [
                    {
                        "text": v.text,
                        "article": v.article,
                        "sentence": v.position,
                        "source": sources.get(v.article),
                        "figure": v.figure,
                        **({"when": v.when} if v.when else {}),
                    }
                    for v in d.variants
                ],
            }
            for d in briefing.disagreements
        ]
    record.update(briefing.details)
    return record


class BriefingRenderer:
    """Renders a briefing in the configured formats.

    >>> record, files = BriefingRenderer(formats=["jsonl", "html"]).render(briefing, cluster)
    >>> sorted(files)
    ['.html']
    """

    def __init__(self, formats: tuple[str, ...] | list[str] = FORMATS) -> None:
        unknown = set(formats) - set(FORMATS)
        if unknown:
            raise ValueError(
                f"unknown output formats {sorted(unknown)}; use any of {', '.join(FORMATS)}"
            )
        self.formats = tuple(formats)

    def render(self, briefing: Briefing, cluster: Cluster) -> tuple[str, dict[str, str]]:
        """The JSON line (without newline) and the briefing files by suffix."""
        record = json.dumps(briefing_record(briefing, cluster), ensure_ascii=False, sort_keys=True)
        files = {}
        if "markdown" in self.formats:
            files[SUFFIXES["markdown"]] = render_markdown(briefing, cluster)
        if "html" in self.formats:
            files[SUFFIXES["html"]] = render_html(briefing, cluster)
        return record, files


def _articles(briefing: Briefing, cluster: Cluster) -> tuple[Article, ...]:
    """The cleaned articles when the pipeline passed them on (they carry titles), else the input."""
    return briefing.articles or cluster.articles


def _numbers(briefing: Briefing, cluster: Cluster) -> dict[int, int]:
    """Article index in the input -> the 1-based number a reader sees."""
    return {a.index: n for n, a in enumerate(_articles(briefing, cluster), start=1)}


def _source_name(article: Article) -> str:
    """The article's title, else its file name: a reader's name for it, not a local path."""
    if article.title:
        return article.title
    location, _, document = article.source.partition("#")
    name = Path(location).name or location
    if document.startswith("documents[") and document.endswith("]"):
        name += f", document {int(document[10:-1]) + 1}"
    return name


def _tags(briefing: Briefing, cluster: Cluster, sentence) -> list[int]:
    numbers = _numbers(briefing, cluster)
    return sorted({numbers[a] for a in (sentence.article, *sentence.also_in) if a in numbers})


def _paragraphs(sentences: list) -> list[list]:
    """The lede alone, then paragraphs of a few sentences: easier to read than one block."""
    if not sentences:
        return []
    rest = sentences[1:]
    step = SENTENCES_PER_PARAGRAPH
    return [sentences[:1]] + [rest[i : i + step] for i in range(0, len(rest), step)]


def _new_since(briefing: Briefing) -> str:
    """The update line: what the reader is told this briefing covers."""
    since = briefing.details["update"].get("since")
    return f"New since {since}" if since else "New since your last briefing"


def _focus_line(briefing: Briefing) -> str:
    """What a query-focused briefing was asked, so the reader knows what it leaves aside."""
    return f"Focused on: {printable(briefing.details['query'], limit=300)}"


def render_markdown(briefing: Briefing, cluster: Cluster) -> str:
    """Every piece of article-derived text goes through ``markdown_text``/``markdown_code``, so
    a rendered briefing shows it as written and it can never become a tag or a link."""
    articles = _articles(briefing, cluster)
    lines = [f"# {markdown_text(_heading(briefing))}", ""]
    lines += [
        f"*{counted(len(articles), 'article')}, {briefing.words} words. "
        f"Cluster {markdown_code(briefing.cluster_id)}.*",
        "",
    ]
    if cluster.story_page:
        lines += [f"[{STORY_LINK}]({_href(cluster.story_page)})", ""]
    if "query" in briefing.details:
        lines += [f"*{markdown_text(_focus_line(briefing))}*", ""]
    if "update" in briefing.details:
        lines += [f"*{markdown_text(_new_since(briefing))}*", ""]
    paragraphs = [
        " ".join(
            # The citation's brackets stay literal: a space follows them, so no link forms.
            ("**Background:** " if s.background else "")
            + f"{markdown_text(s.text)} [{', '.join(str(n) for n in _tags(briefing, cluster, s))}]"
            for s in paragraph
        )
        for paragraph in _paragraphs(briefing.sentences)
    ]
    for paragraph in paragraphs or ["_No sentence could be selected._"]:
        lines += [paragraph, ""]
    lines += _differ_markdown(briefing, cluster)
    lines += ["## Sources", ""]
    lines += [
        f"{number}. {markdown_text(_source_name(article))} ({markdown_code(article.source)})"
        for number, article in enumerate(articles, start=1)
    ]
    if briefing.warnings:
        lines += ["", "## Warnings", ""] + [f"- {markdown_text(w)}" for w in briefing.warnings]
    return "\n".join(lines) + "\n"


def _shown_disagreements(briefing: Briefing, cluster: Cluster) -> list[tuple[str, list]]:
    """The section's items: what is disputed, then one row per version: its figure, its time
    (only when the sources give different times) and the sources that give it, as (name,
    number, sentence)."""
    numbers = _numbers(briefing, cluster)
    articles = {a.index: a for a in _articles(briefing, cluster)}
    items = []
    for item in (briefing.disagreements or [])[:DISAGREEMENTS_SHOWN]:
        variants = [v for v in item.variants if v.article in articles]
        timed_apart = len({v.when for v in variants}) > 1
        rows: dict[tuple, list] = {}
        for v in variants:
            rows.setdefault((v.figure, v.when if timed_apart else None), []).append(
                (_source_name(articles[v.article]), numbers[v.article], v.text)
            )
        items.append((item.about, [(*version, sources) for version, sources in rows.items()]))
    return items


def _differ_markdown(briefing: Briefing, cluster: Cluster) -> list[str]:
    """The "Sources differ" section: each disputed fact, then each version with its sources."""
    items = _shown_disagreements(briefing, cluster)
    if not items:
        return []
    lines = ["## Sources differ", ""]
    for about, rows in items:
        lines.append(f"- {markdown_text(about)}")
        lines += [
            f"  - **{markdown_text(figure)}**"
            + (f" ({markdown_text(time)})" if time else "")
            + ": "
            + "; ".join(f"{markdown_text(name)} [{number}]" for name, number, _ in sources)
            for figure, time, sources in rows
        ]
    return [*lines, ""]


def _heading(briefing: Briefing) -> str:
    """The title, else the id on one line (an id may hold any character)."""
    return briefing.title or printable(briefing.cluster_id)


_STYLE = (
    "body{font:18px/1.6 Georgia,'Times New Roman',serif;color:#1d1d1f;background:#fdfdfb;"
    "margin:0}main{max-width:40em;margin:0 auto;padding:1.5em 1.2em 3em}"
    "h1{font:700 1.7em/1.25 system-ui,sans-serif;margin:.2em 0 .3em}"
    "h2{font:600 1.05em system-ui,sans-serif;text-transform:uppercase;letter-spacing:.05em;"
    "color:#555;margin-top:2.2em;border-top:1px solid #ddd;padding-top:1em}"
    ".meta{font:.85em system-ui,sans-serif;color:#666;margin:0 0 1.6em}"
    "p{margin:0 0 1em}p.lede{font-size:1.08em}"
    "sup{font:600 .62em system-ui,sans-serif;line-height:0}"
    "sup a{color:#1a5fb4;text-decoration:none;padding:0 .08em}"
    "sup a:hover{text-decoration:underline}"
    "ol.sources{font-size:.9em;padding-left:1.6em}ol.sources li{margin:.3em 0}"
    "ol.sources li:target{background:#fff3bf}"
    ".warnings{font:.8em system-ui,sans-serif;color:#8a4b00}"
    "table{border-collapse:collapse;width:100%;font-size:.95em}"
    "td{padding:.6em .4em;border-bottom:1px solid #e4e4e4;vertical-align:top}"
    "td.n{font:.8em system-ui,sans-serif;color:#666;white-space:nowrap;text-align:right}"
    ".failed{color:#b00020;font:600 .85em system-ui,sans-serif}"
    "a{color:#1a5fb4}"
    "ul.differ{padding-left:1.2em;font-size:.95em}ul.differ>li{margin:.2em 0 .9em}"
    "ul.differ ul{list-style:none;padding:0;margin:.3em 0 0}"
    "ul.differ ul li{margin:.2em 0;overflow-wrap:anywhere}"
    ".figure{font:600 .95em system-ui,sans-serif;background:#eef3fb;border-radius:.25em;"
    "padding:0 .3em}.when{color:#666;font-size:.9em}"
)


def page(title: str, body: str, style: str = "") -> str:
    """A whole HTML page in the briefings' style (``style``: rules of its own, added)."""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}{style}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def render_html(briefing: Briefing, cluster: Cluster) -> str:
    articles = _articles(briefing, cluster)
    title = _heading(briefing)

    def sentence_html(sentence) -> str:
        notes = ",".join(
            f'<a href="#source-{n}" title="{html.escape(_source_name(articles[n - 1]))}">{n}</a>'
            for n in _tags(briefing, cluster, sentence)
        )
        marker = "<strong>Background:</strong> " if sentence.background else ""
        return f"{marker}{html.escape(sentence.text)}<sup>{notes}</sup>"

    paragraphs = _paragraphs(briefing.sentences)
    body = [
        f"<h1>{html.escape(title)}</h1>\n",
        f'<p class="meta">{counted(len(articles), "source")} &middot; {briefing.words} words'
        + (
            f' &middot; <a href="{html.escape(_href(cluster.story_page))}">{STORY_LINK}</a>'
            if cluster.story_page
            else ""
        )
        + "</p>\n",
    ]
    if "query" in briefing.details:
        body.append(f'<p class="focus"><em>{html.escape(_focus_line(briefing))}</em></p>\n')
    if "update" in briefing.details:
        body.append(f'<p class="update"><em>{html.escape(_new_since(briefing))}</em></p>\n')
    for number, paragraph in enumerate(paragraphs):
        css = ' class="lede"' if number == 0 else ""
        body.append(f"<p{css}>{' '.join(sentence_html(s) for s in paragraph)}</p>\n")
    if not paragraphs:
        body.append("<p><em>No sentence could be selected.</em></p>\n")
    body += _differ_html(briefing, cluster)
    body.append('<h2>Sources</h2>\n<ol class="sources">\n')
    body += [
        f'<li id="source-{n}"><span title="{html.escape(a.source)}">'
        f"{html.escape(_source_name(a))}</span></li>\n"
        for n, a in enumerate(articles, start=1)
    ]
    body.append("</ol>\n")
    if briefing.warnings:
        body.append('<h2>Warnings</h2>\n<ul class="warnings">\n')
        body += [f"<li>{html.escape(w)}</li>\n" for w in briefing.warnings]
        body.append("</ul>\n")
    return page(title, "".join(body))


def _href(link: str) -> str:
    """A relative link made by the run layer from file names (``store.cluster_name``), with
    anything a URL or Markdown could read as markup percent-encoded all the same."""
    return quote(link, safe="/._-")


def _differ_html(briefing: Briefing, cluster: Cluster) -> list[str]:
    """The "Sources differ" section: each version with its sources, a source's sentence shown
    when its name is hovered."""
    items = _shown_disagreements(briefing, cluster)
    if not items:
        return []
    body = ['<h2>Sources differ</h2>\n<ul class="differ">\n']
    for about, rows in items:
        body.append(f"<li>{html.escape(about)}\n<ul>\n")
        for figure, time, sources in rows:
            names = ", ".join(
                f'<span title="{html.escape(text)}">{html.escape(name)}</span>'
                f'<sup><a href="#source-{number}">{number}</a></sup>'
                for name, number, text in sources
            )
            when = f' <span class="when">{html.escape(time)}</span>' if time else ""
            body.append(
                f'<li><span class="figure">{html.escape(figure)}</span>{when} {names}</li>\n'
            )
        body.append("</ul></li>\n")
    body.append("</ul>\n")
    return body


def counted(number: int, noun: str) -> str:
    """``1 source``, ``3 sources``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
