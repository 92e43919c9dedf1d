"""What did I miss: one briefing per story that had articles since a date, from the archive.

``python -m summarize experiment=catchup output.root=ROOT since=YYYY-MM-DD`` reads the nightly
stories archive under ROOT (the story index, its articles files and the nights' briefings)
and writes the clusters of the catch-up, in the update input format (docs/update.md), to
``ROOT/catchup/<since>/input.jsonl``; the run then briefs them like any input, into the same
folder. A story's cluster holds its articles of the nights from ``since`` on; what its reader
had before is everything briefed for it earlier: its articles of the nights before ``since``
(``previous_documents``) and the sentences of all its briefings of those nights
(``previous_summary``), so the briefing is an update made by the update machinery; a story
that began on or after ``since`` has no history and gets a full briefing.

Reading the whole archive before ``since`` is the price of "everything briefed before": a
catch-up is run by hand, once in a while, not every night.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from omegaconf import DictConfig

from summarize.data import InputError, _normal
from summarize.run.store import RunFolder, StoryIndex, atomic_write

log = logging.getLogger("summarize")

INPUT_NAME = "input.jsonl"
LAST = "\uffff"
"""Sorts after every night: "up to the end of the archive"."""


class CatchupError(InputError):
    """A catch-up that cannot be made (a bad ``since``, no archive); the message says why."""


def prepare_catchup(cfg: DictConfig) -> None:
    """With ``since`` set (``experiment=catchup``): writes the catch-up's input next to its
    output and points ``input.path`` at it; raises ``CatchupError`` naming the problem."""
    since = cfg.get("since")
    if since is None:
        return
    if not str(since).strip():  # experiment=catchup without a date
        _remove_if_empty(Path(cfg.output.dir), Path(str(cfg.output.root)))
        raise CatchupError(
            "since is required: pass since=YYYY-MM-DD, the first night to catch up on"
        )
    output = Path(cfg.output.dir)
    try:
        path = catchup_input(Path(str(cfg.output.root)), str(since), output)
    except CatchupError:
        _remove_if_empty(output, Path(str(cfg.output.root)))
        raise
    cfg.input.path = str(path)


def catchup_input(root: Path, since: str, folder: Path) -> Path:
    """Writes ``folder/input.jsonl``: the catch-up's clusters, largest story first."""
    try:
        start = dt.date.fromisoformat(since).isoformat()
    except ValueError:
        raise CatchupError(f"since={since}: not a date; write it as YYYY-MM-DD") from None
    index = StoryIndex(root)
    nights = sorted(p.stem for p in index.folder.glob("*.jsonl")) if index.folder.is_dir() else []
    if not nights:
        raise CatchupError(
            f"output.root={root}: no nightly stories archive there (no story index in "
            f"{index.folder}); give the output.root of experiment=nightly group=stories runs"
        )
    if nights[-1] < start:
        raise CatchupError(f"since={since}: nothing since then in {root}: its last night is "
                           f"{nights[-1]}")  # fmt: skip
    recent = index.records(before=LAST, since=start)
    wanted = {r["id"] for r in recent}
    earlier = [r for r in index.records(before=start) if r.get("id") in wanted]
    texts = index.articles(_ids_by_night([*earlier, *recent]), before=LAST)
    lines = []
    for story in sorted(wanted):
        mine = [r for r in recent if r["id"] == story]
        before = sorted((r for r in earlier if r["id"] == story), key=lambda r: r["night"])
        line = _cluster(root, story, mine, before, texts)
        if line is not None:
            lines.append(line)
    # Largest story first, then the latest, as a night's index orders them (sorts are stable).
    lines.sort(key=lambda c: c["id"])
    lines.sort(key=lambda c: c["night"], reverse=True)
    lines.sort(key=lambda c: len(c["documents"]), reverse=True)
    path = folder / INPUT_NAME
    atomic_write(path, "".join(json.dumps({k: v for k, v in c.items() if k != "night"},
                                          ensure_ascii=False) + "\n" for c in lines))  # fmt: skip
    log.info("catch-up since %s: %d stories, written to %s", start, len(lines), path)
    return path


def _cluster(root: Path, story: str, recent: list[dict], earlier: list[dict], texts: dict):
    """One story's catch-up cluster (a line of the update input format), or None when none of
    its articles since the date can be read."""
    recent = sorted(recent, key=lambda r: r["night"])
    read = _articles(earlier, texts)
    seen = {_normal(a["text"]) for a in read}
    new = [a for a in _articles(recent, texts) if _normal(a["text"]) not in seen]
    if not new:  # every article sent again: the full briefing again, as ``with_previous`` does
        new, earlier, read = _articles(recent, texts), [], []
    if not new:
        log.warning("catch-up: the articles of story %s since the date cannot be read", story)
        return None
    cluster = {"id": story, "title": recent[-1].get("title"), "night": recent[-1]["night"],
               "documents": [_document(a) for a in new]}  # fmt: skip
    shown = [
        sentence["text"]
        for record in earlier
        for result in [RunFolder(root / record["night"]).stored(story)]
        if result is not None
        for sentence in json.loads(result.record).get("sentences") or []
    ]
    if read or shown:
        cluster["previous_documents"] = [_document(a) for a in read]
        cluster["previous_summary"] = shown
        cluster["since"] = earlier[-1]["night"]
    return cluster


def _ids_by_night(records: list[dict]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for record in records:
        wanted.setdefault(record["night"], set()).update(record.get("articles") or ())
    return wanted


def _articles(records: list[dict], texts: dict) -> list[dict]:
    """The stored articles of ``records`` (oldest night first), each text once."""
    found, seen = [], set()
    for record in records:
        for article in record.get("articles") or ():
            stored = texts.get((record["night"], article))
            if stored is not None and stored["text"] not in seen:
                seen.add(stored["text"])
                found.append(stored)
    return found


def _document(article: dict) -> dict:
    return {k: article[k] for k in ("text", "title", "date") if article.get(k) is not None}


def _remove_if_empty(folder: Path, root: Path) -> None:
    """Removes the folders Hydra made for a catch-up that could not start (only when empty:
    a mistyped ``output.root`` must not leave a tree behind, and nothing else is touched)."""
    for path in (folder, *folder.parents):
        if path != root and root not in path.parents:
            return
        try:
            path.rmdir()
        except OSError:
            return
