"""Persistence for a run folder: atomic writes, the run lock, and per-cluster completion.

Everything a run leaves on disk goes through ``atomic_write`` (write a temporary file in the
same folder, rename it over the target), so a crash at any moment leaves either the old file or
the new one, never half of one.

A cluster is *complete* when its result file exists and carries the key of this run's work for
it: a fingerprint of the cluster's content, of the resolved configuration that shapes the
result, and of the package version. Finished clusters reach the disk in batches
(``ResultBatch``): their briefing files first, made durable, then their result files, so a
result file never outlives (a crash, a power loss) the files it vouches for.
"""

from __future__ import annotations

import errno
import faulthandler
import fcntl
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from summarize.data import Cluster

log = logging.getLogger("summarize")

RESULTS = "results"
BRIEFINGS = "briefings"
LOCK_NAME = ".summarize.lock"
STARTS_NAME = ".starts.jsonl"
FAULTS = ".faults"
"""Folder of the run folder where each run's process records a native fault (``faulthandler``):
one file a run, empty unless the process died of SIGSEGV, SIGBUS, SIGABRT, SIGFPE or SIGILL."""
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
FSYNC_THREADS = 16
"""fsyncs issued at once by ``make_durable``: they wait on the disk, not on a core."""


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()


class DiskFull(OSError):
    """A write failed because its file system is full (or over quota): the run stops cleanly,
    and the same command resumes once space is freed. ``filename`` names the file."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from or while handling, is a full disk."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in FULL_DISK:
            return True
        error = error.__cause__ or error.__context__
    return False


def full_disk_path(error: BaseException) -> str | None:
    """The file a full-disk error names, searching the errors it was raised from."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in FULL_DISK and error.filename:
            return str(error.filename)
        error = error.__cause__ or error.__context__
    return None


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Turns a full-disk error writing ``path`` into ``DiskFull`` naming it: ``write()`` and
    ``fsync()`` report ENOSPC without a file name."""
    try:
        yield
    except OSError as error:
        if error.errno in FULL_DISK and not isinstance(error, DiskFull):
            raise DiskFull(path) from error
        raise


def atomic_write(path: Path, data: bytes | str, durable: bool = True) -> None:
    """Replaces ``path`` with ``data`` so that readers and crashes only ever see a whole file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path, durable) as out:
        out.write(payload)


@contextmanager
def atomic_writer(path: Path, durable: bool = True) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` only when the block ends without error.

    The temporary name is unique, so two processes writing one path never share a partial file;
    it ends in ``.part``, so whoever cleans up after crashed writers can recognise it.
    ``durable`` also flushes the file and its folder to disk, so that the rename survives a
    power loss; a cache, whose lost entry is only recomputed, skips that cost.
    """
    path = Path(path)
    with _naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
        try:
            os.fchmod(handle, _FILE_MODE)  # as open() would create it, not mkstemp's 0600
            with os.fdopen(handle, "wb") as out:
                yield out
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if durable:
            _fsync_folder(path.parent)


def write_json(path: Path, data: object) -> None:
    atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def make_durable(files: Iterable[Path], folders: Iterable[Path] = ()) -> None:
    """Flushes ``files``, the folders that name them and ``folders`` to disk (power loss).

    The fsyncs are issued together from a few threads: one after the other, each would wait
    for a journal commit of its own; together, the file system commits them as a group (about
    a fifth of the time for a batch of small files here). An error flushing a file is raised:
    its data may not be on disk.
    """
    files = list(files)
    folders = {*folders, *(path.parent for path in files)}
    if not files and not folders:
        return
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(files) + len(folders))) as pool:
        list(pool.map(_fsync_file, files))
        list(pool.map(_fsync_folder, sorted(folders)))


def _fsync_file(path: Path) -> None:
    with _naming(path):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    """Makes a rename durable (power loss), where the platform allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class FolderBusy(RuntimeError):
    """Another live run holds the output folder."""


class RunLock:
    """An exclusive ``flock`` on the output folder for the life of a run.

    The kernel releases the lock when its holder dies, however it dies, so a lock left by a
    killed run never blocks the next one. Taking it writes nothing but an empty lock file.
    With ``wait``, a second taker waits for the first to release it instead of failing: for
    files that several runs update in turn (the story pages of one root).
    """

    def __init__(self, folder: Path, wait: bool = False) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.wait = wait
        self._handle: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except OSError as error:
            os.close(handle)
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise FolderBusy(
                    f"{self.path.parent}: another summarize run is writing into this folder; "
                    "wait for it to finish or choose another output.dir"
                ) from None
            raise
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def digest(*parts: object) -> str:
    """SHA-256 of the canonical JSON of ``parts``: equal data, equal digest, in any process."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cluster_fingerprint(cluster: Cluster) -> str:
    """Names a cluster by everything that can change its briefing: ids, texts, sources, dates."""
    return digest(
        cluster.id,
        cluster.title,
        cluster.date,
        list(cluster.references),
        list(cluster.warnings),
        [[a.index, a.text, a.source, a.title, a.date] for a in cluster.articles],
        [[a.index, a.text, a.source, a.title, a.date] for a in _previous(cluster)],
        *([cluster.query] if getattr(cluster, "query", None) else []),  # old keys stay valid
        *([{"story_page": cluster.story_page}] if getattr(cluster, "story_page", None) else []),
    )


def _previous(cluster: Cluster) -> tuple:
    """Articles the reader has already read, when the cluster carries them (update briefings)."""
    return tuple(getattr(cluster, "previous_articles", ()) or ())


def cluster_name(cluster_id: str) -> str:
    """A deterministic file name for a cluster id, safe on every file system.

    Ids that are not already safe get a short hash of the raw id, so two ids that clean to the
    same text ("a/b" and "a_b") never share a file.
    """
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in cluster_id)
    safe = safe.strip("._")[:100] or "cluster"
    if safe == cluster_id:
        return safe
    return f"{safe}-{hashlib.sha256(cluster_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


@dataclass
class ClusterResult:
    """What a finished cluster leaves behind, enough to rebuild every merged output."""

    id: str
    key: str
    source: str
    record: str | None = None
    """The cluster's line of ``summaries.jsonl`` (without the newline); None when it failed."""
    failure: str | None = None
    files: list[str] = field(default_factory=list)
    """Briefing files, relative to the run folder."""
    warnings: list[str] = field(default_factory=list)
    scores: dict | None = None
    articles: int = 0
    words: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    from_cache: bool = False
    cache_use: dict[str, int] = field(default_factory=dict)
    """What the embedding cache answered for this cluster: ``hits``, ``misses``, ``repaired``
    (counted in the worker that did it, so a pool's use adds up in the driver)."""
    article_digests: list[str] = field(default_factory=list)
    """SHA-256 of each article's text: what the reader of this briefing has seen."""

    @property
    def ok(self) -> bool:
        return self.record is not None


RUN_ID = re.compile(r"[0-9a-f]{1,32}-[0-9]{1,10}")
"""A run's id (``new_run_id``): safe as a file name, checked before it is used as one."""

FAULT_SIGNALS = {
    "Segmentation fault": "SIGSEGV",
    "Bus error": "SIGBUS",
    "Aborted": "SIGABRT",
    "Floating point exception": "SIGFPE",
    "Illegal instruction": "SIGILL",
}
"""The first line of a ``faulthandler`` report ("Fatal Python error: ...") to its signal."""


def new_run_id() -> str:
    """A run's id: its start time (hex nanoseconds) and process id, unique in a folder."""
    return f"{time.time_ns():x}-{os.getpid()}"


@dataclass(frozen=True)
class Deaths:
    """How the runs that started a cluster died before it finished: ``crashes`` of a native
    fault (the last one's ``signal``), ``kills`` without a record."""

    crashes: int = 0
    kills: int = 0
    signal: str | None = None

    def after(self, signal: str | None) -> Deaths:
        """These deaths and one more: a crash by ``signal``, or a kill when it is None."""
        if signal is None:
            return Deaths(self.crashes, self.kills + 1, self.signal)
        return Deaths(self.crashes + 1, self.kills, signal)

    def __bool__(self) -> bool:
        return bool(self.crashes or self.kills)


class _Start(NamedTuple):
    """A start in the ledger: its line number, its line, and the run that noted it."""

    number: int
    line: str
    run: str


def _ledger_lines(ledger: str) -> list[str]:
    """The ledger's lines. They end at newlines only: an id may hold U+2028 and the like,
    which JSON writes as they are."""
    return [line for line in ledger.split("\n") if line]


def _not_cleared(ledger: str) -> dict[tuple[str, str], list[_Start]]:
    """(cluster id, key) to its starts in the ``ledger`` text since its last clear, in order.
    A line that does not parse is left out: a line cut by a crash mid-write."""
    starts: dict[tuple[str, str], list[_Start]] = {}
    for number, line in enumerate(_ledger_lines(ledger)):
        try:
            entry = json.loads(line)
            pair = (entry.get("start", entry.get("clear")), entry["key"])
            run = str(entry.get("run") or "")
        except (ValueError, KeyError, AttributeError):
            continue
        if "start" in entry:
            starts.setdefault(pair, []).append(_Start(number, line, run))
        else:
            starts.pop(pair, None)
    return starts


class RunFolder:
    """The output folder of a run: where each cluster's files go and which are complete."""

    def __init__(self, root: Path, shard: bool = False, run: str = "") -> None:
        self.root = Path(root)
        self.shard = shard
        """Spread briefings over subfolders by a hash prefix (for runs with many clusters)."""
        self.run = run
        """The id of the run writing the folder: its starts name it, and its fault record is
        ``.faults/<run>.txt`` (``fault_record``)."""

    def remove_partial_writes(self) -> int:
        """Deletes the temporary files (``.*.part``) of writers killed mid-write, returning how
        many. Only a run holding the folder's ``RunLock`` may call it: then no writer is alive."""
        removed = 0
        for path in self.root.rglob(".*.part"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def result_path(self, cluster_id: str) -> Path:
        name = cluster_name(cluster_id)
        return self.root / RESULTS / _prefix(cluster_id) / f"{name}.json"

    def briefing_path(self, cluster_id: str, suffix: str) -> Path:
        """``briefings/<name><suffix>``, or ``briefings/<ab>/<name><suffix>`` when sharded."""
        folder = self.root / BRIEFINGS
        if self.shard:
            folder = folder / _prefix(cluster_id)
        return folder / f"{cluster_name(cluster_id)}{suffix}"

    def load(self, cluster_id: str, key: str) -> ClusterResult | None:
        """The stored result if it is complete for exactly this work, else None."""
        try:
            data = json.loads(self.result_path(cluster_id).read_text(encoding="utf-8"))
            result = ClusterResult(**data)
        except (OSError, ValueError, TypeError):
            return None  # absent, or from another version: do the work again
        if result.key != key or result.id != cluster_id or not result.ok:
            return None
        if not all((self.root / name).is_file() for name in result.files):
            return None
        return result

    def stored(self, cluster_id: str) -> ClusterResult | None:
        """The cluster's stored result whatever work made it (an earlier night's briefing, read
        back by later nights, the story pages and the feed), or None when there is none."""
        try:
            data = json.loads(self.result_path(cluster_id).read_text(encoding="utf-8"))
            result = ClusterResult(**data)
        except (OSError, ValueError, TypeError):
            return None
        return result if result.ok and result.id == cluster_id else None

    def record_start(self, cluster_id: str, key: str) -> None:
        """Notes that the work ``key`` on a cluster begins, before it runs.

        One line appended to ``.starts.jsonl`` and handed to the kernel (no fsync: a process
        that dies loses nothing the kernel holds), so it costs microseconds a cluster. A
        cluster whose run dies before it finishes never reaches its result file; the next
        start of the run learns how each such run died (``unfinished_starts``).
        """
        self._append_starts({"start": cluster_id, "key": key, "run": self.run})

    def forget_starts(self, started: dict[str, str]) -> None:
        """Clears the starts of clusters (id to key) that stopped without their process dying
        (finished, failed, Ctrl-C, an error that ended the run): they count for nothing."""
        for cluster_id, key in started.items():
            self._append_starts({"clear": cluster_id, "key": key})

    def unfinished_starts(self) -> dict[tuple[str, str], Deaths]:
        """(cluster id, key) to how the runs that started it and died before it finished died:
        of a native fault their process recorded (a crash, with its signal), or without a
        record (SIGKILL, the OOM killer, a power cut: a kill). A clear wipes the count."""
        deaths: dict[tuple[str, str], Deaths] = {}
        signals: dict[str, str | None] = {}
        for pair, starts in _not_cleared(self._read_starts()).items():
            for start in starts:
                if start.run not in signals:
                    signals[start.run] = self._fault_signal(start.run)
                deaths[pair] = deaths.get(pair, Deaths()).after(signals[start.run])
        return deaths

    def compact_starts(self) -> tuple[int, int]:
        """Rewrites ``.starts.jsonl`` with only the starts that still count (not cleared since)
        and deletes the fault records of runs that none of them names, except this run's own;
        returns how many ledger lines and fault records went. ``unfinished_starts`` says the
        same before and after. Without it a folder reused run after run (resumes, reruns) keeps
        every start and every dead run's record forever. Only a run holding the folder's
        ``RunLock`` may call it: then no other run appends to the ledger meanwhile."""
        text = self._read_starts()
        live = sorted(start for starts in _not_cleared(text).values() for start in starts)
        kept = "".join(f"{start.line}\n" for start in live)
        if kept != text:
            atomic_write(self.root / STARTS_NAME, kept)
        named = {start.run for start in live} | {self.run}
        removed = 0
        for record in (self.root / FAULTS).glob("*.txt"):
            if record.stem not in named:
                removed += _remove(record)
        return len(_ledger_lines(text)) - len(live), removed

    def _read_starts(self) -> str:
        """The ledger's text; a line cut inside a character reads as a damaged line."""
        try:
            return (self.root / STARTS_NAME).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    @contextmanager
    def fault_record(self) -> Iterator[None]:
        """For the life of a run: a native fault of this process (SIGSEGV, SIGBUS, SIGABRT,
        SIGFPE, SIGILL) makes ``faulthandler`` write its report to ``.faults/<run>.txt`` as
        the process dies, so the next start can tell a crash from a kill. The file is removed
        when the run ends by itself; left empty, it says the process was killed."""
        path = self._fault_path(self.run)
        with _naming(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            record = open(path, "w", encoding="utf-8")  # noqa: SIM115 (held for the run)
        was_enabled = faulthandler.is_enabled()
        faulthandler.enable(file=record, all_threads=True)
        try:
            yield
        finally:
            faulthandler.disable()
            if was_enabled:  # as it was (pytest, PYTHONFAULTHANDLER): on the standard error
                with suppress(AttributeError, ValueError, OSError):
                    faulthandler.enable(file=sys.__stderr__, all_threads=True)
            record.close()
            path.unlink(missing_ok=True)

    def _fault_path(self, run: str) -> Path:
        if not RUN_ID.fullmatch(run):
            raise ValueError(f"not a run id: {run!r}")
        return self.root / FAULTS / f"{run}.txt"

    def _fault_signal(self, run: str) -> str | None:
        """The signal a dead run's process recorded, or None when it left no record (also a
        start noted before runs kept fault records, whose run is no run id: taken as a kill)."""
        try:
            report = self._fault_path(run).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            return None
        if not report.strip():
            return None
        first = report.strip().splitlines()[0].removeprefix("Fatal Python error:").strip()
        return FAULT_SIGNALS.get(first, "a native fault")

    def _append_starts(self, entry: dict[str, str]) -> None:
        path = self.root / STARTS_NAME
        with _naming(path):
            self.root.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def stored_ids(self) -> Iterator[tuple[str, Path]]:
        """Every cluster with a result file, whatever run wrote it."""
        for path in sorted((self.root / RESULTS).glob("*/*.json")):
            try:
                yield json.loads(path.read_text(encoding="utf-8"))["id"], path
            except (OSError, ValueError, KeyError, TypeError):
                yield "", path

    def prune(self, keep: set[str]) -> int:
        """Removes the results and briefings of clusters that are not in this run's input."""
        removed = 0
        for cluster_id, path in self.stored_ids():
            if cluster_id in keep:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                files = list(data.get("files") or [])
            except (OSError, ValueError, AttributeError):
                files = []
            for name in files:
                (self.root / name).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            removed += 1
        return removed


class ResultBatch:
    """Finished clusters held in memory, then stored together by ``flush``.

    Writing a cluster's files one by one with an fsync each costs milliseconds a cluster, more
    than a small cluster's summary; a batch pays for durability once per ``flush``, in three
    steps, each ended by one round of fsyncs (``make_durable``):

    1. remove the result files that this batch replaces (a cluster redone under another key),
       so an old result file never vouches for the briefing files written in step 2;
    2. write every briefing file (temporary file and rename), then make them durable;
    3. write every result file, the completion markers, then make them durable.

    Crash safety, the invariant (``tests/unit/test_store_batch.py``): after a crash at any
    moment, every cluster that ``RunFolder.load`` reports complete has whole, current
    briefing files; a cluster whose batch had not been flushed, or whose flush was cut short,
    is reported incomplete and simply redone; files of other clusters are never touched.

    - The process killed (SIGKILL, the OOM killer, a segfault): the kernel keeps every write
      that was handed to it, so the renames of steps 1 to 3 make a cluster complete in the
      order above; what is held here and not yet written is lost and redone.
    - The machine stopped (power loss, kernel crash): a renamed file that was not fsynced may
      come back empty or missing. Step 2's fsyncs end before any result file of step 3 is
      written, so a result file can only be on disk after its briefing files are; a result
      file cut by the crash does not parse and counts as incomplete.
    """

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder
        self._pending: list[tuple[ClusterResult, dict[str, str]]] = []
        self._flushed = time.monotonic()

    def __len__(self) -> int:
        return len(self._pending)

    def since_flush(self) -> float:
        """Seconds since the batch was last flushed (or made): the work a crash now would cost
        the next run, besides the clusters still running."""
        return time.monotonic() - self._flushed

    def add(self, result: ClusterResult, rendered: dict[str, str]) -> None:
        """Takes a finished cluster and its rendered briefings (file suffix to text); sets
        ``result.files``. Nothing reaches the disk before ``flush``."""
        result.files = [
            str(self.folder.briefing_path(result.id, suffix).relative_to(self.folder.root))
            for suffix in rendered
        ]
        self._pending.append((result, dict(rendered)))

    def flush(self) -> None:
        """Stores every cluster added since the last flush, complete and durable on return."""
        if not self._pending:
            return
        root = self.folder.root
        markers = [self.folder.result_path(result.id) for result, _ in self._pending]
        replaced = [path for path in markers if _remove(path)]
        make_durable([], folders=[path.parent for path in replaced])
        briefings = []
        for result, rendered in self._pending:
            for name, text in zip(result.files, rendered.values(), strict=True):
                atomic_write(root / name, text, durable=False)
                briefings.append(root / name)
        make_durable(briefings)
        for path, (result, _) in zip(markers, self._pending, strict=True):
            text = json.dumps(asdict(result), ensure_ascii=False, sort_keys=True)
            atomic_write(path, text, durable=False)
        make_durable(markers)
        self._pending, self._flushed = [], time.monotonic()


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _prefix(cluster_id: str) -> str:
    return hashlib.sha256(cluster_id.encode("utf-8", "surrogatepass")).hexdigest()[:2]


STORY_INDEX = "stories"
"""Folder under a nightly ``output.root`` holding the story index, one file per night."""
STORY_ARTICLES = "articles"
"""Subfolder of the story index holding each night's article texts, one file per night (a
subfolder, so that the index's own ``*.jsonl`` files stay the only ones beside it)."""


class StoryIndex:
    """The story index of nightly runs: ``<root>/stories/<night>.jsonl``, one record a line,
    and the night's articles, ``<root>/stories/articles/<night>.jsonl``.

    Each night's files hold that night's ``StoryRecord``s and articles and are replaced whole,
    atomically, when the night is run (again), so a rerun or a resume never sees half an index;
    a night reads only the files of nights before it, so running a night twice links it the
    same way and gives its continuing stories the same history. The articles are what tonight's
    stories are compared with (``StoryLinker``) and what an update briefing of a continuing
    story needs (the texts its reader has read); only the open window's nights are read, so a
    night's cost follows the window, not the age of the index.
    """

    def __init__(self, root: Path) -> None:
        self.folder = Path(root) / STORY_INDEX

    def records(self, before: str, since: str = "") -> list[dict]:
        """The JSON records of the nights from ``since`` up to, not including, ``before`` (a
        damaged line is skipped with a warning naming the file and line, so one bad night
        never stops the next). Nights before ``since`` are not even opened: a night's cost
        follows the open stories, not the age of the index."""
        found: list[dict] = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.jsonl")):
            if not since <= path.stem < before:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                try:
                    found.append(json.loads(line))
                except ValueError as error:
                    log.warning("story index %s:%d unreadable (%s); skipped", path, number, error)
        return found

    def save(self, night: str, records: list[dict]) -> None:
        lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        atomic_write(self.folder / f"{night}.jsonl", lines)

    def articles_path(self, night: str) -> Path:
        return self.folder / STORY_ARTICLES / f"{night}.jsonl"

    def save_articles(self, night: str, articles: list[dict]) -> None:
        """The night's articles, each a JSON object with ``id``, ``text`` (cleaned), ``title``,
        ``date`` and ``where`` (the inbox file and line); saved before the night's records, so
        that a night in the index has its articles."""
        lines = "".join(json.dumps(a, ensure_ascii=False, sort_keys=True) + "\n" for a in articles)
        atomic_write(self.articles_path(night), lines)

    def articles(self, wanted: dict[str, set[str]], before: str) -> dict[tuple[str, str], dict]:
        """(night, article id) -> the stored article, for the ids ``wanted`` of each night
        before ``before``.

        A night's file is used whole or not at all: when it is missing (a root older than the
        articles files), unreadable, damaged or lacks an article its index names, the night's
        articles are left out with one warning naming the file.
        """
        found: dict[tuple[str, str], dict] = {}
        for night in sorted(n for n in wanted if n < before):
            path = self.articles_path(night)
            try:
                stored = _articles_of(path, wanted[night])
                missing = sorted(wanted[night] - stored.keys())
                if missing:
                    raise ValueError(f"{len(missing)} of the articles its index names are not "
                                     f"in it, e.g. {missing[0]!r}")  # fmt: skip
            except FileNotFoundError:
                problem = "missing (made before the index kept articles?)"
            except OSError as error:
                problem = f"unreadable ({error.strerror})"
            except ValueError as error:
                problem = f"damaged ({error})"
            else:
                found.update(((night, i), stored[i]) for i in sorted(wanted[night]))
                continue
            log.warning(
                "story index %s is %s: the articles of %s are left out tonight: its stories are "
                "compared by their index profile, and update briefings are made against the "
                "earlier briefing alone",
                path, problem, night,
            )  # fmt: skip
        return found


def _articles_of(path: Path, ids: set[str]) -> dict[str, dict]:
    """The articles ``ids`` of a night's articles file by id (only those are kept, so memory
    follows the continuing stories, not the night); ``ValueError`` names the first bad line."""
    stored: dict[str, dict] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                article = json.loads(line)
            except ValueError as error:  # a line cut short (bytes not UTF-8 fail the file)
                raise ValueError(f"line {number} is not JSON ({error})") from None
            if not (
                isinstance(article, dict)
                and all(isinstance(article.get(k), str) for k in ("id", "text", "where"))
                and all(isinstance(article.get(k), str | None) for k in ("title", "date"))
            ):
                raise ValueError(f"line {number} is not an article (id, text, where, title, date)")
            if article["id"] in ids:
                stored[article["id"]] = article
    return stored


STORY_PAGES = "story"
"""Folder under a nightly ``output.root`` holding one page per story (``StoryPages``)."""


class StoryPages:
    """The story pages of nightly runs: ``<root>/story/<name>.json``, the story's timeline,
    and ``<root>/story/<name>.html``, the page a reader opens, ``<name>`` being the story id's
    file name (``cluster_name``).

    A night reads and replaces the pages of its own stories only, each file whole and
    atomically (the data first, then the page made from it), so a night's cost follows the
    night, and a crash leaves every page as it was or as it is meant to be; a rerun of the
    night writes the same bytes. Pages of closed stories are never touched again.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / STORY_PAGES

    def path(self, story_id: str, suffix: str) -> Path:
        return self.folder / f"{cluster_name(story_id)}{suffix}"

    def updating(self) -> RunLock:
        """Held while a run reads and replaces pages: two nights run into one root at once (a
        backfill beside the nightly run) add their entries in turn, and neither is lost."""
        return RunLock(self.folder, wait=True)

    def load(self, story_id: str) -> dict | None:
        """The story's page data, or None when it has none yet. A page that cannot be read
        is started again from tonight, with a warning naming the file (its earlier nights'
        briefings stay where they are)."""
        path = self.path(story_id, ".json")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("story page %s unreadable (%s); it restarts from tonight", path, error)
            return None
        if not (isinstance(data, dict) and isinstance(data.get("timeline"), list)):
            log.warning("story page %s is not a story's page; it restarts from tonight", path)
            return None
        return data

    def save(self, story_id: str, data: dict, page: str) -> list[Path]:
        """Replaces the story's two files, each atomically; returns them, for the caller to
        make a night's pages durable together (``make_durable``: one round of fsyncs, not two
        a page)."""
        paths = [self.path(story_id, ".json"), self.path(story_id, ".html")]
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        for path, content in zip(paths, (text, page), strict=True):
            atomic_write(path, content, durable=False)
        return paths
