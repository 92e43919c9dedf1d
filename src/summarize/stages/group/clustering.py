"""Clusterings that read only a sparse graph of similar pairs, never all pairs.

- ``average_link``: average-link agglomerative clustering on the neighbour graph. Two stories
  merge while the mean similarity over all their article pairs reaches the threshold, where a
  pair that is not in the graph (not among either article's nearest neighbours) counts as 0.
  That is the textbook average link with unknown pairs taken as unrelated, so it is stricter
  than the full-matrix version, never looser: one strong bridge cannot chain two stories
  together (the weakness of single link), because it is diluted by every pair it does not
  join. Cost: O(E log E) for E edges, merging the smaller neighbour table into the larger.
- ``linked_components``: connected components of the edges at or above the threshold (single
  link on the graph); with ``mutual=True`` only pairs that are in each other's neighbour lists.

Both are deterministic: ties are broken by the articles' positions.
"""

from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def symmetric_edges(
    n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each undirected pair once (``i < j``), its weight, and whether both directions were
    found (a mutual neighbour pair)."""
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    key = low.astype(np.int64) * n + high
    order = np.argsort(key, kind="stable")
    key, weights = key[order], weights[order]
    unique, first, counts = np.unique(key, return_index=True, return_counts=True)
    return unique // n, unique % n, weights[first], counts > 1


def linked_components(
    n: int, low: np.ndarray, high: np.ndarray, weights: np.ndarray, threshold: float
) -> np.ndarray:
    """Label per node: its connected component over the edges of weight >= ``threshold``."""
    keep = weights >= threshold
    graph = sp.coo_matrix((np.ones(int(keep.sum())), (low[keep], high[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return first_seen(labels)


def average_link(
    n: int, low: np.ndarray, high: np.ndarray, weights: np.ndarray, threshold: float
) -> np.ndarray:
    """Label per node from average-link merging on the graph (missing pairs count 0)."""
    size = [1] * n
    links: list[dict[int, float]] = [{} for _ in range(n)]
    for a, b, w in zip(low.tolist(), high.tolist(), weights.tolist(), strict=True):
        links[a][b] = w
        links[b][a] = w
    version = [0] * n
    heap = [
        (-w, a, b, 0, 0)
        for a, b, w in zip(low.tolist(), high.tolist(), weights.tolist(), strict=True)
        if w >= threshold
    ]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        negative, a, b, va, vb = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b or version[a] != va or version[b] != vb:
            continue
        if -negative < threshold:
            break
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        parent[gone] = keep
        table = links[keep]
        del table[gone]
        for other, total in links[gone].items():
            if other == keep:
                continue
            table[other] = table.get(other, 0.0) + total
            del links[other][gone]
            links[other][keep] = table[other]
        links[gone] = {}
        size[keep] += size[gone]
        version[keep] += 1
        for other, total in table.items():
            mean = total / (size[keep] * size[other])
            if mean >= threshold:
                x, y = (keep, other) if keep < other else (other, keep)
                heapq.heappush(heap, (-mean, x, y, version[x], version[y]))
    return first_seen(np.array([_root(parent, i) for i in range(n)], dtype=np.int64))


def _root(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def first_seen(labels: np.ndarray) -> np.ndarray:
    """Relabels clusters 0, 1, ... in order of their first node, so labels are canonical."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]
