"""The checksummed entry store behind the embedding cache: LRU bound and concurrent use."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time

import pytest

from summarize.stages.embed.cache import EntryStore, pack


def key(number: int) -> str:
    return hashlib.sha256(str(number).encode()).hexdigest()


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


def _hammer(root: str, worker: int, rounds: int, queue) -> None:
    store = EntryStore(root, max_bytes=200_000)
    bad = 0
    for round_ in range(rounds):
        number = round_ % 7
        payload = store.get(key(number))
        if payload is not None and set(payload) != {number}:
            bad += 1
        store.put(key(number), bytes([number]) * (1000 * (1 + (worker + round_) % 5)))
    queue.put((bad, store.repaired))


def test_processes_sharing_a_store_never_read_a_torn_entry(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(str(tmp_path), worker, 300, queue))
        for worker in range(3)
    ]
    for process in workers:
        process.start()
    results = [queue.get(timeout=120) for _ in workers]
    for process in workers:
        process.join(timeout=60)
    assert results == [(0, 0)] * len(workers)  # every read whole and verified
    assert not list(tmp_path.rglob("*.part"))
