"""The checksummed entry store behind the embedding cache: its LRU bound and its checks
(processes sharing one store: tests/e2e/test_cache_processes.py)."""

from __future__ import annotations

import os
import time

import pytest

from summarize.stages.embed.cache import EntryStore, pack

from ..helpers import entry_key as key


def test_least_recently_used_entries_go_first(tmp_path):
    payload = b"v" * 1000
    entry_size = len(pack(payload))
    store = EntryStore(tmp_path, max_bytes=10 * entry_size)
    for number in range(10):
        store.put(key(number), payload)
    hours_ago = time.time() - 10 * 3600
    for number in range(10):  # entry 0 oldest, entry 9 newest
        os.utime(store.path(key(number)), (hours_ago + number, hours_ago + number))
    assert store.get(key(0)) == payload  # a read makes it the most recently used
    for number in range(10, 14):
        store.put(key(number), payload)
    store.evict()
    kept = {number for number in range(14) if store.path(key(number)).exists()}
    assert 0 in kept and {10, 11, 12, 13} <= kept
    assert not kept & {1, 2, 3, 4}  # the least recently used went
    total = sum(store.path(key(n)).stat().st_size for n in kept)
    assert total <= store.max_bytes


def test_bad_bound_is_refused(tmp_path):
    with pytest.raises(ValueError, match="positive"):
        EntryStore(tmp_path, max_bytes=0)
