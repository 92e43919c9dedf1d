"""A content-addressed store of byte strings on disk: embeddings and exported models.

Why files (one per entry, ``<root>/<key[:2]>/<key>``) and not one SQLite database: the cache is
meant to be shared by the workers of a run and by machines mounting one folder, and the one
primitive that stays atomic on local disks and on NFS alike is rename. SQLite's locking is
unreliable over NFS (a database there can be corrupted), so it would only serve one machine.
The price is one small file per sentence (a 2 GB cache of 384-dimension vectors holds about
500,000), spread over 256 subfolders.

Every entry carries a SHA-256 checksum of its payload, verified on every read. Whatever cannot
be trusted (missing, empty, truncated, wrong header, wrong checksum) is a miss: the caller
computes the value again and ``put`` replaces the entry atomically; damaged entries are logged
and counted (``repaired``). Nothing is ever unpickled.

Size is bounded by least-recently-used eviction: a read refreshes the entry's modification time
(at most once an hour, so reads stay cheap), and when the store grows past ``max_bytes`` the
oldest entries go until it is at 90% of the bound. Concurrent evictions and reads are safe: an
entry removed under a reader is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from pathlib import Path

from summarize.output.safe_text import printable
from summarize.run.store import atomic_write

log = logging.getLogger("summarize")

_MAGIC = b"SUMCACHE"
_VERSION = 1
_HEADER = len(_MAGIC) + 1 + 8 + 32  # magic, version, payload length, SHA-256 of the payload
_REFRESH_SECONDS = 3600
_STALE_PART_SECONDS = 3600


def pack(payload: bytes) -> bytes:
    """An entry's bytes: a header with the payload's length and checksum, then the payload."""
    return (
        _MAGIC
        + bytes([_VERSION])
        + len(payload).to_bytes(8, "little")
        + hashlib.sha256(payload).digest()
        + payload
    )


def unpack(data: bytes) -> bytes:
    """The payload of an entry, or ``ValueError`` saying why the entry cannot be trusted."""
    if len(data) < _HEADER:
        raise ValueError(f"{len(data)} bytes, shorter than the header")
    if data[: len(_MAGIC)] != _MAGIC or data[len(_MAGIC)] != _VERSION:
        raise ValueError("not a cache entry of this version")
    length = int.from_bytes(data[len(_MAGIC) + 1 : len(_MAGIC) + 9], "little")
    payload = data[_HEADER:]
    if len(payload) != length:
        raise ValueError(f"truncated: {len(payload)} of {length} payload bytes")
    if hashlib.sha256(payload).digest() != data[len(_MAGIC) + 9 : _HEADER]:
        raise ValueError("checksum mismatch")
    return payload


class EntryStore:
    """Checksummed entries under ``root``, at most ``max_bytes`` of them (``None``: no bound)."""

    def __init__(self, root: str | Path, max_bytes: int | None = None) -> None:
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError(f"cache size bound must be positive or null, got {max_bytes}")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.repaired = 0
        self.evicted = 0
        self._written_since_check: int | None = None  # None: not checked in this process yet

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_written_since_check": None}

    def path(self, key: str) -> Path:
        if len(key) < 3 or not key.isalnum():
            raise ValueError(f"cache key must be alphanumeric, got {key!r}")
        return self.root / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The payload stored under ``key``, or ``None`` (a miss) if absent or damaged."""
        path = self.path(key)
        try:
            with path.open("rb") as handle:
                data = handle.read()
                modified = os.fstat(handle.fileno()).st_mtime
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as error:
            return self._damaged(path, f"unreadable ({error.strerror})")
        try:
            payload = unpack(data)
        except ValueError as error:
            return self._damaged(path, str(error))
        if time.time() - modified > _REFRESH_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(path)  # recency for eviction
        self.hits += 1
        return payload

    def reject(self, key: str, reason: str) -> None:
        """Counts an entry whose payload passed its checksum but not the caller's checks (a
        vector of the wrong size, say) as damaged; the caller computes and ``put``s it again."""
        self.hits -= 1
        self._damaged(self.path(key), reason)

    def put(self, key: str, payload: bytes) -> None:
        data = pack(payload)
        atomic_write(self.path(key), data, durable=False)  # a lost entry is only a miss
        if self.max_bytes is None:
            return
        if self._written_since_check is None:
            self._written_since_check = self.max_bytes  # check once early in each process
        self._written_since_check += len(data)
        if self._written_since_check >= max(self.max_bytes // 20, 1):
            self._written_since_check = 0
            self.evict()

    def evict(self) -> int:
        """Removes least recently used entries until the store is within 90% of its bound, and
        temporary files that crashed writers left behind; returns how many entries went."""
        if self.max_bytes is None or not self.root.is_dir():
            return 0
        entries, total, now = [], 0, time.time()
        for shard in os.scandir(self.root):
            if not shard.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(shard.path):
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if entry.name.endswith(".part"):
                    if now - info.st_mtime > _STALE_PART_SECONDS:
                        Path(entry.path).unlink(missing_ok=True)
                    continue
                entries.append((info.st_mtime, info.st_size, entry.path))
                total += info.st_size
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= 0.9 * self.max_bytes:
                break
            Path(path).unlink(missing_ok=True)  # another process may have evicted it already
            total -= size
            removed += 1
        self.evicted += removed
        log.info("cache %s: evicted %d least recently used entries", printable(self.root), removed)
        return removed

    def _damaged(self, path: Path, reason: str) -> None:
        self.misses += 1
        self.repaired += 1
        log.warning("cache entry %s is damaged (%s); computing it again", printable(path), reason)
        return None


class VectorCacheCounters:
    """What an embedder's vector store answered, for the run's manifest: ``_vectors`` is the
    store (``vector_store``), None when vectors are not cached."""

    _vectors: EntryStore | None

    @property
    def cache_hits(self) -> int:
        """Sentences whose vector came from the cache."""
        return self._vectors.hits if self._vectors is not None else 0

    @property
    def cache_misses(self) -> int:
        """Sentences embedded because the cache did not hold them (or held them damaged)."""
        return self._vectors.misses if self._vectors is not None else 0

    @property
    def cache_repaired(self) -> int:
        """Damaged vectors found in the cache, computed again and rewritten."""
        return self._vectors.repaired if self._vectors is not None else 0


def vector_store(cache_dir: str | Path, max_mb: float | None) -> EntryStore:
    """The sentence vectors of an embedder's cache, ``<cache_dir>/vectors``, bounded to
    ``max_mb`` megabytes (None: unbounded)."""
    bound = max_mb * 1024 * 1024 if max_mb is not None else None
    return EntryStore(Path(cache_dir).expanduser() / "vectors", bound)
