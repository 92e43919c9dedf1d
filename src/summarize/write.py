"""Stage 6: write briefings as JSON Lines with provenance, Markdown and HTML.

``summaries.jsonl`` is appended and flushed one cluster at a time, so whatever finished before a
crash is on disk and readable; its bytes depend only on input and configuration (no timings, no
paths of the output folder), so two runs can be compared with ``cmp``.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import IO

from summarize.data import Briefing, Cluster

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(cluster_id: str) -> str:
    """A file name for a cluster id that cannot escape the output folder."""
    name = _UNSAFE.sub("_", cluster_id).strip("._") or "cluster"
    return name[:120]


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
    record.update(briefing.details)
    return record


class BriefingWriter:
    """Writes every briefing of a run into one output folder."""

    def __init__(
        self, formats: tuple[str, ...] | list[str] = ("jsonl", "markdown", "html")
    ) -> None:
        unknown = set(formats) - {"jsonl", "markdown", "html"}
        if unknown:
            raise ValueError(f"unknown output formats {sorted(unknown)}; use jsonl, markdown, html")
        self.formats = tuple(formats)

    def open(self, folder: Path) -> _OpenWriter:
        return _OpenWriter(Path(folder), self.formats)


class _OpenWriter:
    def __init__(self, folder: Path, formats: tuple[str, ...]) -> None:
        self.folder = folder
        self.formats = formats
        self.folder.mkdir(parents=True, exist_ok=True)
        self.summaries_path = folder / "summaries.jsonl"
        self._jsonl: IO[str] = self.summaries_path.open("w", encoding="utf-8")
        self._names: set[str] = set()

    def write(self, briefing: Briefing, cluster: Cluster) -> None:
        record = briefing_record(briefing, cluster)
        self._jsonl.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self._jsonl.flush()
        name = self._unique_name(briefing.cluster_id)
        if "markdown" in self.formats or "html" in self.formats:
            (self.folder / "briefings").mkdir(exist_ok=True)
        if "markdown" in self.formats:
            path = self.folder / "briefings" / f"{name}.md"
            path.write_text(render_markdown(briefing, cluster), encoding="utf-8")
        if "html" in self.formats:
            path = self.folder / "briefings" / f"{name}.html"
            path.write_text(render_html(briefing, cluster), encoding="utf-8")

    def _unique_name(self, cluster_id: str) -> str:
        name, number = safe_filename(cluster_id), 1
        candidate = name
        while candidate in self._names:
            number += 1
            candidate = f"{name}-{number}"
        self._names.add(candidate)
        return candidate

    def close(self) -> None:
        self._jsonl.close()

    def __enter__(self) -> _OpenWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _articles(briefing: Briefing, cluster: Cluster) -> tuple:
    """The cleaned articles when the pipeline passed them on (they carry titles), else the input."""
    return briefing.articles or cluster.articles


def _source_label(briefing: Briefing, cluster: Cluster, index: int) -> str:
    article = next((a for a in _articles(briefing, cluster) if a.index == index), None)
    if article is None:
        return f"article {index}"
    name = Path(article.source.split("#")[0]).name if "/" in article.source else article.source
    return f"[{index}] {article.title or name}"


def _new_since(briefing: Briefing) -> str:
    """The update line: what the reader is told this briefing covers."""
    since = briefing.details["update"].get("since")
    return f"New since {since}" if since else "New since your last briefing"


def render_markdown(briefing: Briefing, cluster: Cluster) -> str:
    lines = [f"# {briefing.title or briefing.cluster_id}", ""]
    if briefing.title:
        lines += [
            f"*Cluster `{briefing.cluster_id}`, {len(cluster.articles)} articles, "
            f"{briefing.words} words.*",
            "",
        ]
    body = " ".join(
        ("**Background:** " if s.background else "")
        + f"{s.text} [{', '.join(str(a) for a in (s.article, *s.also_in))}]"
        for s in briefing.sentences
    )
    if "update" in briefing.details:
        lines += [f"*{_new_since(briefing)}*", ""]
    lines += [body or "_No sentence could be selected._", "", "## Sources", ""]
    lines += [
        f"- {_source_label(briefing, cluster, a.index)}: `{a.source}`"
        for a in _articles(briefing, cluster)
    ]
    if briefing.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in briefing.warnings]
    return "\n".join(lines) + "\n"


def render_html(briefing: Briefing, cluster: Cluster) -> str:
    title = html.escape(briefing.title or briefing.cluster_id)
    sentences = "\n".join(
        ("<strong>Background:</strong> " if s.background else "")
        + f'<span class="sentence" data-article="{s.article}" data-sentence="{s.position}" '
        f'title="{html.escape(_source_label(briefing, cluster, s.article))}">{html.escape(s.text)}'
        f"<sup>{', '.join(str(a) for a in (s.article, *s.also_in))}</sup></span>"
        for s in briefing.sentences
    )
    sources = "\n".join(
        f"<li>{html.escape(_source_label(briefing, cluster, a.index))}: "
        f"<code>{html.escape(a.source)}</code></li>"
        for a in _articles(briefing, cluster)
    )
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in briefing.warnings)
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{title}</title>\n"
        "<style>body{font:17px/1.6 Georgia,serif;max-width:42em;margin:2em auto;padding:0 1em}"
        "sup{color:#777;font-size:.65em}.sentence:hover{background:#ffd}</style></head>\n"
        f"<body>\n<h1>{title}</h1>\n"
        + (
            f'<p class="update"><em>{html.escape(_new_since(briefing))}</em></p>\n'
            if "update" in briefing.details
            else ""
        )
        + f"<p>{sentences}</p>\n<h2>Sources</h2>\n<ul>\n{sources}\n</ul>\n"
        + (f"<h2>Warnings</h2><ul>{warnings}</ul>\n" if warnings else "")
        + "</body>\n</html>\n"
    )
