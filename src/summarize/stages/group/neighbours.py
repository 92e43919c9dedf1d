"""Each article's nearest neighbours, in time close to linear in the number of articles.

A hierarchical navigable small-world graph (``hnswlib``; Malkov and Yashunin 2018) answers a
query in about logarithmic time, so the whole night's k-nearest-neighbour graph costs
O(n log n), where the full distance matrix costs O(n^2) time and memory. The index is built on
one thread with a fixed seed, so the same vectors in the same order give the same neighbours,
bit for bit; queries (read-only) run on every core.
"""

from __future__ import annotations

import os

import numpy as np

HNSW_LINKS = 16
HNSW_BUILD_EF = 200


def nearest_neighbours(
    vectors: np.ndarray, k: int, seed: int = 0, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each unit row, up to ``k`` other rows with the largest dot product.

    Returns ``(rows, cols)``: row ``rows[p]`` has neighbour ``cols[p]`` (never itself).
    """
    import hnswlib

    n, dims = vectors.shape
    k = min(k, n - 1)
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    index = hnswlib.Index(space="ip", dim=dims)
    index.init_index(max_elements=n, ef_construction=HNSW_BUILD_EF, M=HNSW_LINKS, random_seed=seed)
    index.add_items(vectors, np.arange(n), num_threads=1)
    index.set_ef(max(2 * (k + 1), 64))
    labels, _ = index.knn_query(vectors, k=k + 1, num_threads=threads or os.cpu_count() or 1)
    rows = np.repeat(np.arange(n), k + 1)
    cols = labels.astype(np.int64).ravel()
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    # Where the query's own row was not among its answers, k + 1 others came back: keep k.
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    return rows[rank < k], cols[rank < k]


def nearest_of(
    base: np.ndarray, queries: np.ndarray, k: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, up to ``k`` rows of ``base`` with the largest dot product.

    Returns ``(query_rows, base_rows)`` pairs, ``k`` (or ``len(base)``) per query.
    """
    import hnswlib

    k = min(k, len(base))
    if k == 0 or len(queries) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(
        max_elements=len(base), ef_construction=HNSW_BUILD_EF, M=HNSW_LINKS, random_seed=seed
    )
    index.add_items(base, np.arange(len(base)), num_threads=1)
    index.set_ef(max(2 * k, 64))
    labels, _ = index.knn_query(queries, k=k, num_threads=os.cpu_count() or 1)
    return np.repeat(np.arange(len(queries)), k), labels.astype(np.int64).ravel()
