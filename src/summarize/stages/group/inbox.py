"""Reading a night's inbox of loose articles: a JSONL file (one article a line) or a flat
folder of article files (``.txt``, ``.md``, ``.html``; the id is the file name).

A JSONL line holds ``text`` (required) and optionally ``id`` (else a stable id from the
content), ``title``, ``date``, ``source`` or ``url``, and ``story`` (a gold label, for scoring
the grouping). As for clusters, reading never raises for bad input: a malformed line, a line
without text, a repeated id, or an unreadable file comes out as an ``ArticleFailure`` naming
the file (and line) and the problem, and the other articles are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from summarize.data import InputError
from summarize.output.safe_text import printable
from summarize.stages.group.stories import digest
from summarize.stages.ingest import ARTICLE_SUFFIXES, json_lines, read_article_file


@dataclass(frozen=True)
class InboxArticle:
    """An article as read, before cleaning."""

    id: str
    text: str
    where: str
    """``file:line`` or the file's path: where the article came from, for messages."""
    title: str | None = None
    date: str | None = None
    source: str | None = None
    story: str | None = None
    """Gold story label, when the input carries one."""


@dataclass(frozen=True)
class ArticleFailure:
    """An article that could not be read; ``reason`` says what is wrong and where."""

    id: str
    where: str
    reason: str


def read_inbox(path: Path, max_bytes: int) -> Iterator[InboxArticle | ArticleFailure]:
    """Every article of the inbox in input order (file order for a folder, sorted by name)."""
    items = _read_folder(path, max_bytes) if path.is_dir() else _read_jsonl(path, max_bytes)
    seen: set[str] = set()
    for item in items:
        if isinstance(item, InboxArticle) and item.id in seen:
            yield ArticleFailure(
                item.id,
                item.where,
                f"{item.where}: article id {printable(item.id)!r} appears twice",
            )
            continue
        if isinstance(item, InboxArticle):
            seen.add(item.id)
        yield item


def _read_folder(root: Path, max_bytes: int) -> Iterator[InboxArticle | ArticleFailure]:
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in ARTICLE_SUFFIXES or path.is_dir():
            continue
        where = printable(path)
        try:
            if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
                raise InputError(f"{where}: symbolic link leading outside the input folder")
            text = read_article_file(path, max_bytes)
        except (InputError, OSError) as error:
            reason = str(error) if isinstance(error, InputError) else f"{where}: {error.strerror}"
            yield ArticleFailure(path.name, where, reason)
            continue
        yield InboxArticle(id=path.name, text=text, where=where)


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[InboxArticle | ArticleFailure]:
    for line in json_lines(path, max_bytes):
        failed = f"line-{line.number}"
        if line.problem is not None:
            yield ArticleFailure(failed, line.where, f"{line.where}: {line.problem}")
            continue
        try:
            yield _article(line.record, line.where)
        except InputError as error:
            yield ArticleFailure(failed, line.where, str(error))


def _article(record: object, where: str) -> InboxArticle:
    if not isinstance(record, dict):
        raise InputError(f"{where}: an article line must be a JSON object with a 'text'")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: no 'text' (a non-empty string) in the article")
    identifier = record.get("id")
    if isinstance(identifier, int | float) and not isinstance(identifier, bool):
        identifier = str(identifier)
    if not isinstance(identifier, str) or not identifier.strip():
        identifier = "a" + digest(text)[:12]
    fields = {key: _optional(record, key, where) for key in ("title", "date", "story")}
    source = _optional(record, "source", where) or _optional(record, "url", where)
    return InboxArticle(id=identifier, text=text, where=where, source=source, **fields)


def _optional(record: dict, key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"{where}: '{key}' must be a string, got {type(value).__name__}")
    return value
