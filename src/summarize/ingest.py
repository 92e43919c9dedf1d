"""Stage 1a: read clusters from a JSONL file, a folder of cluster folders, or a single folder.

Reading is lazy, one cluster at a time, and never raises for bad input: a cluster that cannot
be read at all comes out as a ``ClusterFailure``; a bad article inside a readable cluster is
skipped with a warning that names the file. Either way the batch goes on.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from summarize.data import Article, Cluster, InputError

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
PREVIOUS_FOLDER = "previous"
"""Subfolder of a cluster folder with the articles its reader has already read."""
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
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _read_folder(path, max_bytes)
    elif path.suffix == ".jsonl":
        yield from _read_jsonl(path)
    elif path.suffix.lower() in ARTICLE_SUFFIXES:
        yield _cluster_from_files(path.stem, str(path), [path], max_bytes)
    else:
        raise InputError(
            f"{path}: unsupported input; give a .jsonl file, a folder of cluster folders, "
            f"or a folder of {'/'.join(ARTICLE_SUFFIXES)} articles"
        )


def input_files(path: str | Path) -> list[Path]:
    """Every file a run reads, for hashing into the manifest."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return [file for _, files in _cluster_folders(path) for file in files]


def _cluster_folders(root: Path) -> list[tuple[Path, list[Path]]]:
    """One cluster per subfolder; a folder without subfolders is itself one cluster.

    A ``previous/`` subfolder holds a cluster's already-read articles, never a cluster.
    """
    folders = sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != PREVIOUS_FOLDER
    )
    return [
        (folder, _article_files(folder) + _article_files(folder / PREVIOUS_FOLDER))
        for folder in folders or [root]
    ]


def _read_folder(root: Path, max_bytes: int) -> Iterator[Cluster | ClusterFailure]:
    for folder, files in _cluster_folders(root):
        new = [f for f in files if f.parent == folder]
        cluster = _cluster_from_files(folder.name, str(folder), new, max_bytes)
        previous = [f for f in files if f.parent != folder]
        if previous and isinstance(cluster, Cluster):
            cluster = _with_previous_files(cluster, previous, len(new), max_bytes)
        yield cluster


def _with_previous_files(
    cluster: Cluster, files: list[Path], first: int, max_bytes: int
) -> Cluster:
    """Adds the ``previous/`` articles, numbered from ``first`` (after the new files).

    ``since`` is the latest ``YYYY-MM-DD`` that starts a previous file's name, if any.
    """
    articles, warnings = _read_files(files, first, max_bytes)
    dates = sorted(m.group(0) for f in files if (m := _DATED.match(f.name)))
    return dataclasses.replace(
        cluster,
        previous_articles=tuple(articles),
        since=dates[-1] if dates else None,
        warnings=(*cluster.warnings, *warnings),
    )


def _read_files(files: list[Path], first: int, max_bytes: int) -> tuple[list[Article], list[str]]:
    """The readable files as articles numbered from ``first``; a warning for each skipped one."""
    articles: list[Article] = []
    warnings: list[str] = []
    for number, file in enumerate(files, start=first):
        try:
            text = read_article_file(file, max_bytes)
        except (InputError, OSError) as error:
            warnings.append(f"skipped {error}")
            continue
        articles.append(Article(index=number, text=text, source=str(file)))
    return articles, warnings


def _article_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".")
    )


def read_article_file(path: Path, max_bytes: int) -> str:
    """The file's text, or an ``InputError`` saying why it cannot be an article."""
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: empty file")
    if size > max_bytes:
        raise InputError(f"{path}: {size:,} bytes, over the input.max_bytes limit of {max_bytes:,}")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file (contains NUL bytes), not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert it with e.g. iconv -t utf-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: only whitespace")
    return text


def _cluster_from_files(
    cluster_id: str, source: str, files: list[Path], max_bytes: int
) -> Cluster | ClusterFailure:
    articles, warnings = _read_files(files, 0, max_bytes)
    if not articles:
        reason = "no readable article"
        if not files:
            reason += f" (no {'/'.join(ARTICLE_SUFFIXES)} files)"
        if warnings:
            reason += ": " + "; ".join(warnings)
        return ClusterFailure(id=cluster_id, source=source, reason=reason)
    return Cluster(id=cluster_id, articles=tuple(articles), source=source, warnings=tuple(warnings))


def _read_jsonl(path: Path) -> Iterator[Cluster | ClusterFailure]:
    seen: set[str] = set()
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                yield ClusterFailure(
                    f"line-{number}", where, f"{where}: not UTF-8 ({error.reason})"
                )
                continue
            except json.JSONDecodeError as error:
                yield ClusterFailure(f"line-{number}", where, f"{where}: malformed JSON ({error})")
                continue
            cluster_id = (
                str(record.get("id", f"line-{number}"))
                if isinstance(record, dict)
                else f"line-{number}"
            )
            if cluster_id in seen:
                yield ClusterFailure(
                    cluster_id, where, f"{where}: cluster id {cluster_id!r} appears twice"
                )
                continue
            seen.add(cluster_id)
            try:
                yield _cluster_from_record(record, cluster_id, where)
            except InputError as error:
                yield ClusterFailure(cluster_id, where, str(error))


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
