"""The story-level check: a story whose articles fall into two groups naming different people,
places and numbers is two events of one kind glued together, and is split.

Average link over the night's words joins two earthquakes or two takeovers, because most of
their words are the words of the kind ("magnitude", "epicentre", "shares", "deal"). What tells
the two events apart is what each names: the town, the people, the dates and the figures. So
each story of at least ``2 * min_part`` articles is cut in two by average link over its
articles' names (the ``names`` view), and the cut is kept when both parts hold at least
``min_part`` articles and the mean names similarity across the parts is below ``below`` while
each part agrees with itself more: two events, not one told with varying details. The two
parts are checked again in turn, so a story of three glued events becomes three.

A story whose text names no one (lower-cased text, as Multi-News is: names cannot be told from
words) is checked the same way on its words (the ``text`` view) instead: re-weighted inside the
story, the words all its articles use (the kind) weigh nothing, and what is left is what each
event says of itself.

Cost: the full pair matrix of one story, so a story of ``m`` articles costs ``m^2``; stories
larger than ``MAX_CHECKED`` are left as they are, so the whole check stays linear in the
night's articles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.preprocessing import normalize

from summarize.stages.group.clustering import first_seen, linked_components

MAX_CHECKED = 400
"""Largest story checked: the check reads all its article pairs."""
COPY = 0.8
"""Word cosine from which two articles of a story are one article republished."""


@dataclass(frozen=True)
class Views:
    """What the check reads: the articles' names and words (rows in the night's order), and
    which articles name anyone."""

    names: sp.csr_matrix
    words: sp.csr_matrix
    named: np.ndarray

    def reads_names(self, rows: list[int], min_part: int) -> bool:
        """Whether the check reads the rows' names: enough of them name anyone for each part
        to; else it reads their words."""
        return int(self.named[rows].sum()) >= 2 * min_part


def within_story(block: sp.csr_matrix) -> sp.csr_matrix:
    """The story's rows re-weighted by how rare each term is inside the story: a term every
    article uses (the kind of event, the company both events are about) weighs nothing, what
    only some articles say (one event's town, people, date) weighs most."""
    block = sp.csr_matrix(block, dtype=np.float64)
    count = block.shape[0]
    df = np.bincount(block.indices, minlength=block.shape[1])
    local = np.log((1.0 + count) / (1.0 + df))
    return normalize(block @ sp.diags(local))


def split_story(views: Views, rows: list[int], below: float, min_part: int) -> list[list[int]]:
    """``rows`` (of the views' matrices) as one story or, recursively, as its parts.

    Read by their words, republished copies of one article count once: a story told by two
    outlets, each of them republished a few times, would otherwise look like two tight groups
    far apart (each outlet's wording is its own and its copies'; the names are the event's)."""
    if len(rows) < 2 * min_part or len(rows) > MAX_CHECKED:
        return [rows]
    names = views.reads_names(rows, min_part)
    # Copies stand apart from other reports in their wording, not in what they name.
    families = [[i] for i in range(len(rows))] if names else copy_families(views.words, rows)
    if len(families) < 2 * min_part:
        return [rows]
    heads = [rows[family[0]] for family in families]
    block = within_story((views.names if names else views.words)[heads])
    similarity = np.asarray((block @ block.T).todense(), dtype=np.float64)
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    part = fcluster(tree, 2, criterion="maxclust")
    first, second = np.flatnonzero(part == part[0]), np.flatnonzero(part != part[0])
    if min(len(first), len(second)) < min_part:
        return [rows]
    across = similarity[np.ix_(first, second)].mean()
    within = min(_mean_within(similarity, first), _mean_within(similarity, second))
    if across >= below * within:
        return [rows]
    return [
        *split_story(views, sorted(rows[i] for f in first for i in families[f]), below, min_part),
        *split_story(views, sorted(rows[i] for f in second for i in families[f]), below, min_part),
    ]


def copy_families(words: sp.csr_matrix, rows: list[int]) -> list[list[int]]:
    """Positions in ``rows`` grouped by republication: articles whose words have a cosine of
    at least ``COPY`` with another of the family, each family in order, by its first."""
    block = words[rows]
    similar = sp.triu(block @ block.T, k=1).tocoo()
    labels = linked_components(len(rows), similar.row, similar.col, similar.data, COPY)
    families: dict[int, list[int]] = {}
    for position, label in enumerate(labels.tolist()):
        families.setdefault(label, []).append(position)
    return list(families.values())


def _mean_within(similarity: np.ndarray, members: np.ndarray) -> float:
    block = similarity[np.ix_(members, members)]
    count = len(members)
    return float((block.sum() - np.trace(block)) / (count * (count - 1)))


def split_labels(views: Views, labels: np.ndarray, below: float, min_part: int) -> np.ndarray:
    """Story labels after the check; a split story's parts get new labels (then renumbered
    by first article, as every label here)."""
    members: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(row)
    out = np.empty(len(labels), dtype=np.int64)
    next_label = 0
    for rows in members.values():
        for part in split_story(views, rows, below, min_part):
            out[part] = next_label
            next_label += 1
    return first_seen(out)
