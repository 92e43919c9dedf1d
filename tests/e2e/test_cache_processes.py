"""Processes sharing one embedding-cache entry store never read a torn entry."""

from __future__ import annotations

import multiprocessing

from summarize.stages.embed.cache import EntryStore

from ..helpers import entry_key as key


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
