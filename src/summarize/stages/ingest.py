"""Stage 1a: read clusters from a JSONL file, a folder of cluster folders, or a single folder.

Reading is lazy, one cluster at a time, and never raises for bad input: a cluster that cannot
be read at all comes out as a ``ClusterFailure``; a bad article inside a readable cluster is
skipped with a warning that names the file. Either way the batch goes on.

Reading is bounded, because a nightly batch runs unattended on input nobody has checked: a
JSONL line is read up to ``max_bytes`` and nested up to ``MAX_DEPTH`` levels; in a folder only
regular files are opened (a FIFO would block forever) and symbolic links are followed only
while they stay inside the input folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from summarize.data import Article, Cluster, InputError
from summarize.output.safe_text import printable

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_DEPTH = 64
"""Deepest JSON nesting a record may have; a cluster needs three levels."""
PREVIOUS_FOLDER = "previous"
"""Subfolder of a cluster folder with the articles its reader has already read."""
QUERY_FILE = "query.txt"
"""File of a cluster folder that holds the reader's query (``focus``), not an article."""
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ClusterFailure:
    """A cluster that could not be read; ``reason`` says what is wrong and where."""

    id: str
    source: str
    reason: str


def read_clusters(
    path: str | Path, max_bytes: int = 20_000_000
) -> Iterator[Cluster | ClusterFailure]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{printable(path)}: no such file or folder")
    if not path.is_dir() and not path.is_file():  # stat only: opening a FIFO would block
        raise InputError(
            f"{printable(path)}: not a regular file or folder (a FIFO, socket or device); "
            "give a .jsonl file or a folder"
        )
    if path.is_dir():
        yield from _read_folder(path, max_bytes)
    elif path.suffix == ".jsonl":
        yield from _read_jsonl(path, max_bytes)
    elif path.suffix.lower() in ARTICLE_SUFFIXES:
        yield _cluster_from_files(path.stem, str(path), [path], max_bytes)
    else:
        raise InputError(
            f"{path}: unsupported input; give a .jsonl file, a folder of cluster folders, "
            f"or a folder of {'/'.join(ARTICLE_SUFFIXES)} articles"
        )


def count_clusters(path: str | Path) -> int:
    """How many clusters ``read_clusters`` will yield, without reading an article: the folders
    it would read, or the non-blank lines of a JSONL file (for progress and sharding)."""
    path = Path(path)
    if path.is_dir():
        return len(_cluster_folders(path))
    if path.suffix.lower() == ".jsonl":
        with path.open("rb") as lines:
            return sum(1 for line in lines if line.strip())
    return 1


def input_files(path: str | Path) -> list[Path]:
    """Every file a run reads, for hashing into the manifest."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return [
        file
        for folder in _cluster_folders(path)
        for file in (*folder.files, *folder.previous, *filter(None, [folder.query]))
    ]


@dataclass(frozen=True)
class _Folder:
    """A cluster folder: its article files, and what was left out of it and why."""

    path: Path
    files: list[Path]
    skipped: list[str]
    refused: str | None = None
    """Why the folder itself is not read (a link out of the input folder), if it is not."""
    previous: list[Path] = dataclasses.field(default_factory=list)
    """Articles in its ``previous/`` subfolder: already read by the briefing's reader."""
    query: Path | None = None
    """Its ``query.txt``: what the briefing's reader wants to know."""


def _cluster_folders(root: Path) -> list[_Folder]:
    """One cluster per subfolder; a folder without subfolders is itself one cluster.

    A ``previous/`` subfolder holds a cluster's already-read articles, never a cluster.
    """
    inside = root.resolve()
    folders = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or _named(entry, PREVIOUS_FOLDER) or not entry.is_dir():
            continue
        if not _within(entry, inside):
            reason = f"{printable(entry)}: symbolic link to a folder outside the input folder"
            folders.append(_Folder(entry, [], [], refused=f"{reason}; not read"))
        else:
            folders.append(_folder(entry, inside))
    return folders or [_folder(root, inside)]


def _folder(path: Path, inside: Path) -> _Folder:
    files, skipped = _article_files(path, inside)
    queries = [f for f in files if _named(f, QUERY_FILE)]
    files = [f for f in files if f not in queries]
    earlier = sorted(d for d in path.iterdir() if _named(d, PREVIOUS_FOLDER) and d.is_dir())
    for special in (queries, earlier):
        if len(special) > 1:  # "query.txt" and "Query.txt": which one did the user mean?
            names = ", ".join(printable(p.name) for p in special)
            refused = f"{printable(path)}: {names} are one name in different cases; keep one"
            return _Folder(path, [], [], refused=refused)
    previous: list[Path] = []
    if earlier and _within(earlier[0], inside):
        previous, more = _article_files(earlier[0], inside)
        skipped += more
    return _Folder(path, files, skipped, previous=previous, query=next(iter(queries), None))


def _named(path: Path, name: str) -> bool:
    """``query.txt`` and ``previous/`` are read whatever the case of their names: a
    ``Query.txt`` summarized as an article would be a silent mistake."""
    return path.name.lower() == name


def _within(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, is ``root`` or inside it."""
    return path.resolve().is_relative_to(root)


def _read_folder(root: Path, max_bytes: int) -> Iterator[Cluster | ClusterFailure]:
    for folder in _cluster_folders(root):
        if folder.refused:
            yield ClusterFailure(folder.path.name, str(folder.path), folder.refused)
            continue
        cluster = _cluster_from_files(
            folder.path.name, str(folder.path), folder.files, max_bytes, folder.skipped
        )
        if folder.previous and isinstance(cluster, Cluster):
            cluster = _with_previous_files(cluster, folder.previous, max_bytes)
        if folder.query and isinstance(cluster, Cluster):
            cluster = _with_query_file(cluster, folder.query, max_bytes)
        yield cluster


def _with_previous_files(cluster: Cluster, files: list[Path], max_bytes: int) -> Cluster:
    """The cluster as an update of the ``previous/`` articles its reader has read.

    ``since`` is the latest ``YYYY-MM-DD`` that starts a previous file's name, if any.
    """
    articles, warnings = _read_files(files, 0, max_bytes)
    dates = sorted(m.group(0) for f in files if (m := _DATED.match(f.name)))
    cluster = dataclasses.replace(cluster, warnings=(*cluster.warnings, *warnings))
    return cluster.with_previous(articles, since=dates[-1] if dates else None)


def _with_query_file(cluster: Cluster, file: Path, max_bytes: int) -> Cluster | ClusterFailure:
    """The cluster with the query of its ``query.txt``; an unreadable query fails the cluster,
    as a briefing on the wrong subject is worse than none."""
    try:
        query = read_article_file(file, max_bytes).strip()
    except (InputError, OSError) as error:
        reason = f"{printable(error, limit=500)} (the cluster's query, {QUERY_FILE})"
        return ClusterFailure(id=cluster.id, source=cluster.source, reason=reason)
    return dataclasses.replace(cluster, query=" ".join(query.split()))


def _read_files(files: list[Path], first: int, max_bytes: int) -> tuple[list[Article], list[str]]:
    """The readable files as articles numbered from ``first``; a warning for each skipped one."""
    articles: list[Article] = []
    warnings: list[str] = []
    for number, file in enumerate(files, start=first):
        try:
            text = read_article_file(file, max_bytes)
        except (InputError, OSError) as error:
            warnings.append(f"skipped {printable(error, limit=500)}")
            continue
        articles.append(Article(index=number, text=text, source=str(file)))
    return articles, warnings


def _article_files(folder: Path, root: Path) -> tuple[list[Path], list[str]]:
    """Regular article files inside the input folder, and warnings for what was left out."""
    files, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.is_dir():
            continue
        if entry.is_symlink() and not _within(entry, root):
            skipped.append(
                f"skipped {printable(entry)}: symbolic link to a file outside the input folder"
            )
        elif not entry.is_file():
            kind = "broken symbolic link" if entry.is_symlink() else _file_kind(entry)
            skipped.append(f"skipped {printable(entry)}: {kind}, not a regular file")
        elif entry.suffix.lower() in ARTICLE_SUFFIXES:
            files.append(entry)
    return files, skipped


def _file_kind(path: Path) -> str:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "unreadable entry"
    for test, kind in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return kind
    return "special file"


def read_article_file(path: Path, max_bytes: int) -> str:
    """The file's text, or an ``InputError`` saying why it cannot be an article."""
    # Non-blocking open, then fstat of what was opened: a file swapped for a FIFO after the
    # folder was listed is refused rather than waited on.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{printable(path)}: not a regular file")
        size = info.st_size
        if size == 0:
            raise InputError(f"{printable(path)}: empty file")
        if size > max_bytes:
            raise InputError(
                f"{printable(path)}: {size:,} bytes, over the input.max_bytes limit of "
                f"{max_bytes:,}"
            )
        data = handle.read(max_bytes + 1)
    if b"\x00" in data[:8192]:
        raise InputError(f"{printable(path)}: binary file (contains NUL bytes), not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{printable(path)}: not UTF-8 (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); convert it with e.g. iconv -t utf-8"
        ) from None
    if not text.strip():
        raise InputError(f"{printable(path)}: only whitespace")
    return text


def _cluster_from_files(
    cluster_id: str,
    source: str,
    files: list[Path],
    max_bytes: int,
    skipped: list[str] | tuple[str, ...] = (),
) -> Cluster | ClusterFailure:
    articles, unread = _read_files(files, 0, max_bytes)
    warnings = [*skipped, *unread]
    if not articles:
        reason = "no readable article"
        if not files:
            reason += f" (no {'/'.join(ARTICLE_SUFFIXES)} files)"
        if warnings:
            reason += ": " + "; ".join(warnings)
        return ClusterFailure(id=cluster_id, source=source, reason=reason)
    return Cluster(id=cluster_id, articles=tuple(articles), source=source, warnings=tuple(warnings))


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSONL file: its parsed ``record``, or the ``problem`` that stops
    it from being read, so that one bad line fails alone."""

    number: int
    where: str
    """``file:line``, for messages."""
    record: object = None
    problem: str | None = None


def json_lines(path: Path, max_bytes: int) -> Iterator[JsonLine]:
    """The lines of a JSONL file, parsed one by one within ``max_bytes`` and ``MAX_DEPTH``."""
    with path.open("rb") as lines:
        for number, raw in enumerate(_bounded_lines(lines, max_bytes), start=1):
            where = f"{printable(path)}:{number}"
            if raw is None:
                problem = (
                    f"line longer than the input.max_bytes limit of {max_bytes:,} bytes; "
                    "skipped (split it or raise input.max_bytes)"
                )
                yield JsonLine(number, where, problem=problem)
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                _check_depth(record, MAX_DEPTH)
            except UnicodeDecodeError as error:
                yield JsonLine(number, where, problem=f"not UTF-8 ({error.reason})")
            except RecursionError:
                yield JsonLine(number, where, problem=f"JSON nested more than {MAX_DEPTH} deep")
            except ValueError as error:  # malformed, or a number too long to convert
                yield JsonLine(number, where, problem=f"malformed JSON ({printable(error)})")
            else:
                yield JsonLine(number, where, record=record)


def _read_jsonl(path: Path, max_bytes: int) -> Iterator[Cluster | ClusterFailure]:
    seen: set[str] = set()
    for line in json_lines(path, max_bytes):
        number, where, record = line.number, line.where, line.record
        if line.problem is not None:
            yield ClusterFailure(f"line-{number}", where, f"{where}: {line.problem}")
            continue
        cluster_id = _record_id(record, number)
        if cluster_id in seen:
            yield ClusterFailure(
                cluster_id,
                where,
                f"{where}: cluster id {printable(cluster_id)!r} appears twice",
            )
            continue
        seen.add(cluster_id)
        try:
            yield _cluster_from_record(record, cluster_id, where)
        except InputError as error:
            yield ClusterFailure(cluster_id, where, str(error))


def _bounded_lines(handle: BinaryIO, max_bytes: int) -> Iterator[bytes | None]:
    """The file's lines, with ``None`` in place of each line over ``max_bytes`` (read past in
    blocks, never held whole), so one huge line costs bounded memory and fails alone."""
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = handle.readline(1 << 20)
        yield None


def _check_depth(record: object, limit: int) -> None:
    """Raises ``RecursionError`` when ``record`` nests deeper than ``limit``; iterative, so a
    deep record cannot exhaust the stack here (the JSON parser stops at Python's own limit)."""
    stack = [(record, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise RecursionError
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)


def _record_id(record: object, number: int) -> str:
    """The record's ``id`` when it is a string or a number, else its line number."""
    if isinstance(record, dict):
        value = record.get("id")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
    return f"line-{number}"


def _cluster_from_record(record: object, cluster_id: str, where: str) -> Cluster:
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    documents = record.get("documents")
    if not isinstance(documents, list) or not documents:
        raise InputError(f"{where}: 'documents' must be a non-empty list of articles")
    articles: list[Article] = []
    warnings: list[str] = []
    for number, document in enumerate(documents):
        article = _article(document, number, f"{where}#documents[{number}]")
        if isinstance(article, str):
            warnings.append(f"skipped {article}")
        else:
            articles.append(article)
    if not articles:
        raise InputError(f"{where}: no readable article: " + "; ".join(warnings))
    references = _strings(record, "summaries", where)
    return Cluster(
        id=cluster_id,
        articles=tuple(articles),
        source=where,
        title=_optional_str(record, "title"),
        date=_optional_str(record, "date"),
        references=tuple(r for r in references if r.strip()),
        warnings=tuple(warnings),
        previous_articles=_previous_articles(record, len(documents), where),
        previous_summary=tuple(s for s in _strings(record, "previous_summary", where) if s.strip()),
        since=_optional_str(record, "since"),
        query=_query(record, where),
    )


def _article(document: object, index: int, source: str) -> Article | str:
    """One entry of a documents list (a string, or an object with text/title/date).

    Returns the article, or what is wrong with it (prefixed by ``source``).
    """
    title = date = None
    if isinstance(document, dict):
        text = document.get("text")
        title, date = _optional_str(document, "title"), _optional_str(document, "date")
    else:
        text = document
    if not isinstance(text, str):
        return f"{source}: article is not text"
    if not text.strip():
        return f"{source}: empty article"
    if "\x00" in text:
        return f"{source}: binary content (NUL characters)"
    return Article(index=index, text=text, source=source, title=title, date=date)


def _previous_articles(record: dict, first: int, where: str) -> tuple[Article, ...]:
    """``previous_documents``, numbered from ``first`` so that no index repeats a new article's.

    A reader's history that cannot be read is an error, not a warning: quietly dropping it would
    turn an update briefing into one that repeats what the reader knows.
    """
    documents = record.get("previous_documents", [])
    if not isinstance(documents, list):
        raise InputError(
            f"{where}: 'previous_documents' must be a list of articles "
            f"(strings or objects with 'text'), got {type(documents).__name__}"
        )
    articles = []
    for number, document in enumerate(documents):
        article = _article(document, first + number, f"{where}#previous_documents[{number}]")
        if isinstance(article, str):
            raise InputError(article)
        articles.append(article)
    return tuple(articles)


def _query(record: dict, where: str) -> str | None:
    """``query``: a string, or an object whose ``title`` and ``narrative`` (DUC topics) join."""
    value = record.get("query")
    if isinstance(value, dict):
        parts = [value.get(key) for key in ("title", "narrative")]
        if all(isinstance(p, str | None) for p in parts) and any(parts):
            title, narrative = ((p or "").strip() for p in parts)
            both = title and narrative
            value = f"{title.rstrip('.')}. {narrative}" if both else title + narrative
    if value is not None and not isinstance(value, str):
        raise InputError(
            f"{where}: 'query' must be a string, or an object with 'title' and 'narrative' "
            f"strings, got {json.dumps(value)[:80]}"
        )
    if value is None or not value.strip():
        return None
    return " ".join(value.split())  # as a query.txt: one line, however it was wrapped


def _strings(record: dict, key: str, where: str) -> tuple[str, ...]:
    values = record.get(key, ())
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InputError(f"{where}: '{key}' must be a list of strings")
    return tuple(values)


def _optional_str(record: dict, key: str) -> str | None:
    value = record.get(key)
    return str(value) if value is not None else None
