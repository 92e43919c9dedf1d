"""Night to night: which of tonight's stories continue a story of an earlier night.

Following Linger and Hajaiej (2020), stories are found per night (``grouper``) and then linked
to the stories of earlier nights. A pure function of tonight's stories, a snapshot of the story
index and the articles of tonight and of the open window; reading and writing the index and
the articles files is the run layer's store's job.

The index is a list of ``StoryRecord``: one per story per night it was seen, with what a later
night needs to recognise it (the mean neural vector and top TF-IDF terms of that night's
articles, the article ids and text digests). Because a night adds its own records and reads
only the records and articles of nights before it, running a night again (a rerun, a resume
after a kill) links it exactly as the first time, never to itself.

Linking asks what the grouper would have said had it seen tonight's articles and the open
window's in one batch: a story of tonight continues an earlier one when the mean TF-IDF cosine
of their article pairs (average link, the grouper's own score) reaches ``threshold``, the
grouper's cut. The TF-IDF is fitted on tonight's articles and the open window's as one batch,
so a word each night uses once (the name of the story's volcano, one article a night) links
them, where a night's own vocabulary leaves it out. Candidates are each tonight's story's
nearest earlier stories (neural centroid, HNSW) and the earlier stories sharing one of its top
terms (in that shared space and in the stored profile), so no step compares every pair. A
story sharing an article (same id or same text) with an earlier one continues it. A link the
grouper's story-level check (``split``) would cut, were the two stories one, is not made: two
events of one kind on two nights, told in the words of the kind, stay two. An earlier
story whose articles are not at hand (an index made before the articles files were kept, or a
damaged file) is compared by the old rule: ``(1 - text_weight) * cos(centroids) + text_weight
* cos(top terms)`` against ``profile_threshold``.

Each of tonight's stories continues its best earlier story at or above its cut. Two of
tonight's stories continuing one earlier story are one story the night's grouping split (the
earlier articles bridge them): they become one story under the earlier id. A story not seen
for more than ``close_after_days`` days is closed: it is no longer a candidate. The figures:
docs/stories.md, "Tracking".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from summarize.params import Constraint, Interval, check_params
from summarize.stages.group.features import names_view, row_dots, word_vectors, worded
from summarize.stages.group.neighbours import nearest_of
from summarize.stages.group.split import MAX_CHECKED, Views, split_story
from summarize.stages.group.stories import LooseArticle, Profile, Story

CANDIDATES = 10
POSTINGS = 50
"""Earlier stories a shared top term makes candidates, at most (the term's first ones)."""
TOP_TERMS = 20
"""Terms of a story's mean vector in the shared space that make candidates."""
DECIMALS = 6
SHARED_ARTICLE = 2
BY_TEXT = 1
"""Kinds of link, strongest first: a shared article, then a score at or above its cut."""


@dataclass(frozen=True)
class StoryRecord:
    """A story as seen on one night: one JSON object of the story index."""

    id: str
    night: str
    """``YYYY-MM-DD``: the night of this record."""
    first_night: str
    """The night the story was first seen (equal to ``night`` for a new story)."""
    title: str
    articles: tuple[str, ...]
    """That night's article ids, in input order."""
    digests: tuple[str, ...]
    """Content digests of those articles (``stories.digest``), in the same order."""
    centroid: tuple[float, ...]
    terms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "articles": list(self.articles),
                "digests": list(self.digests), "centroid": list(self.centroid)}  # fmt: skip

    @classmethod
    def from_json(cls, record: Mapping) -> StoryRecord:
        """Reads a record; a missing or mistyped field raises ``ValueError`` naming it."""
        try:
            return cls(
                id=str(record["id"]),
                night=str(record["night"]),
                first_night=str(record["first_night"]),
                title=str(record["title"]),
                articles=tuple(str(a) for a in record["articles"]),
                digests=tuple(str(d) for d in record["digests"]),
                centroid=tuple(float(x) for x in record["centroid"]),
                terms={str(t): float(w) for t, w in dict(record.get("terms", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"story index record is malformed: {error!r}") from error


@dataclass(frozen=True)
class EarlierStory:
    """A story of the index as it stands before tonight: all its nights merged."""

    id: str
    title: str
    first_night: str
    last_night: str
    nights: tuple[str, ...]
    articles: tuple[str, ...]
    digests: tuple[str, ...]
    profile: Profile
    seen: tuple[tuple[str, str], ...] = ()
    """``(night, article id)`` of each of its articles, in the order of ``articles``."""


@dataclass
class Linking:
    """What linking decided for tonight."""

    stories: list[Story]
    """Tonight's stories, those that continue an earlier story renamed to its id."""
    continued: dict[str, EarlierStory]
    """Tonight's story id (after renaming) -> the earlier story it continues."""
    closed: list[str]
    """Earlier stories closed as of tonight (not seen for more than ``close_after_days``)."""
    records: list[StoryRecord]
    """Tonight's records, to be added to the index by the run layer's store."""
    scores: dict[str, float] = field(default_factory=dict)
    """Tonight's story id -> the score of its link (continuing stories only)."""
    merged: dict[str, int] = field(default_factory=dict)
    """Tonight's story id -> how many of the night's stories it was made of, where the night's
    grouping had split a continuing story and its earlier articles joined the parts."""


def earlier_stories(records: Sequence[StoryRecord], before: str) -> list[EarlierStory]:
    """The index's stories as of the nights strictly before ``before``, sorted by id.

    A story's profile is the article-weighted mean of its nights' profiles.
    """
    by_id: dict[str, list[StoryRecord]] = {}
    for record in records:
        if record.night < before:
            by_id.setdefault(record.id, []).append(record)
    stories = []
    for story_id in sorted(by_id):
        nights = sorted(by_id[story_id], key=lambda r: r.night)
        # Centroids of nights embedded in another space (another embedder) are left out.
        same = [r for r in nights if len(r.centroid) == len(nights[-1].centroid)]
        sizes = np.array([len(r.articles) for r in same], dtype=np.float64)
        centroid = np.average(np.array([r.centroid for r in same]), axis=0, weights=sizes)
        sizes = np.array([len(r.articles) for r in nights], dtype=np.float64)
        terms: dict[str, float] = {}
        for record, size in zip(nights, sizes, strict=True):
            for term, weight in record.terms.items():
                terms[term] = terms.get(term, 0.0) + weight * size
        stories.append(
            EarlierStory(
                id=story_id,
                title=nights[-1].title,
                first_night=nights[0].first_night,
                last_night=nights[-1].night,
                nights=tuple(r.night for r in nights),
                articles=tuple(a for r in nights for a in r.articles),
                digests=tuple(d for r in nights for d in r.digests),
                seen=tuple((r.night, a) for r in nights for a in r.articles),
                profile=Profile(
                    centroid=normalize(centroid[None, :])[0].astype(np.float32),
                    terms=_unit(terms),
                ),
            )
        )
    return stories


class StoryLinker:
    """Links tonight's stories to earlier ones (see the module docstring).

    ``threshold`` is the mean TF-IDF cosine of article pairs a story of tonight needs with an
    earlier one, on the grouper's scale, and ``split_below`` and ``split_min_part`` are the
    grouper's story-level check (the configuration sets all three to the grouper's);
    ``profile_threshold`` and ``text_weight`` are the old rule's, for earlier stories whose
    articles are not at hand.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "threshold": Interval(0, 1, closed="right"),
        "profile_threshold": Interval(0, 1, closed="right"),
        "text_weight": Interval(0, 1),
        "split_below": Interval(0, 1, allow_none=True),
        "split_min_part": Interval(1, integer=True),
        "close_after_days": Interval(0, integer=True),
    }

    def __init__(
        self,
        threshold: float = 0.16,
        profile_threshold: float = 0.3,
        text_weight: float = 0.5,
        close_after_days: int = 7,
        split_below: float | None = 0.25,
        split_min_part: int = 2,
    ) -> None:
        self.threshold = threshold
        self.profile_threshold = profile_threshold
        self.text_weight = text_weight
        self.split_below = split_below
        self.split_min_part = split_min_part
        self.close_after_days = close_after_days
        check_params(self, "group.link")

    def link(
        self,
        stories: Sequence[Story],
        digests: Mapping[str, str],
        night: str,
        records: Sequence[StoryRecord],
        articles: Mapping[tuple[str, str], LooseArticle] | None = None,
    ) -> Linking:
        """Tonight's stories linked to the index's stories of nights before ``night``.

        ``digests`` maps each of tonight's article ids, in input order, to its content digest.
        ``articles`` holds ``(night, article id) -> article`` for tonight's articles and those
        of the open window's nights (the index's articles files); without it, or for an
        earlier story some of whose articles it lacks, the old rule compares profiles.
        """
        earlier = earlier_stories(records, before=night)
        open_ = [e for e in earlier if _days(e.last_night, night) <= self.close_after_days]
        closed = [e.id for e in earlier if _days(e.last_night, night) > self.close_after_days]
        shared = _SharedText.build(stories, night, open_, articles or {})
        scores = self._scores(stories, digests, open_, shared)
        options: dict[int, list[tuple[tuple[int, float], int, float]]] = {}
        for (tonight, before), (kind, score, cut) in scores.items():
            if kind == SHARED_ARTICLE or score >= cut:
                # A shared article first, then the largest score relative to its rule's cut.
                options.setdefault(tonight, []).append(((kind, score / cut), before, score))
        best: dict[int, tuple[int, tuple[int, float], float]] = {}  # -> (earlier, rank, score)
        for tonight in sorted(options):
            ranked = sorted(options[tonight], key=lambda o: (-o[0][0], -o[0][1], o[1]))
            for rank, before, score in ranked:
                if rank[0] == SHARED_ARTICLE or not self._two_events(
                    shared, stories[tonight], night, open_[before]
                ):
                    best[tonight] = (before, rank, score)
                    break
        parts: dict[int, list[int]] = {}
        for tonight in sorted(best):
            parts.setdefault(best[tonight][0], []).append(tonight)
        position = {article: n for n, article in enumerate(digests)}
        joined: dict[int, tuple[Story, EarlierStory, float, int]] = {}
        for before, members in parts.items():
            members.sort(key=lambda t: (-len(stories[t].articles), -best[t][1][1], stories[t].id))
            story = _joined([stories[t] for t in members], open_[before].id, position)
            joined[members[0]] = (story, open_[before], best[members[0]][2], len(members))
        absorbed = {t for members in parts.values() for t in members[1:]}
        linked: list[Story] = []
        continued: dict[str, EarlierStory] = {}
        link_scores: dict[str, float] = {}
        merged: dict[str, int] = {}
        out_records = []
        for number, story in enumerate(stories):
            if number in absorbed:
                continue
            first_night = night
            if number in joined:
                story, previous, score, count = joined[number]
                continued[story.id] = previous
                link_scores[story.id] = round(score, DECIMALS)
                first_night = previous.first_night
                if count > 1:
                    merged[story.id] = count
            linked.append(story)
            out_records.append(_record(story, night, first_night, digests))
        return Linking(linked, continued, closed, out_records, link_scores, merged)

    def _scores(
        self,
        stories: Sequence[Story],
        digests: Mapping[str, str],
        open_: list[EarlierStory],
        shared: _SharedText | None,
    ) -> dict[tuple[int, int], tuple[int, float, float]]:
        """Per candidate (tonight, earlier) pair: its kind of link, its score and the cut that
        score is held to (see the module docstring)."""
        if not stories or not open_:
            return {}
        candidates = self._candidates(stories, open_)
        if shared is not None:
            candidates |= shared.candidates()
        pairs = sorted(candidates)
        by_text = [shared is not None and shared.covers(e) for _, e in pairs]
        text_scores = shared.scores(pairs) if shared is not None else np.zeros(len(pairs))
        scored = {}
        for (t, e), covered, text in zip(pairs, by_text, text_scores, strict=True):
            if covered:
                scored[(t, e)] = (BY_TEXT, float(text), self.threshold)
            else:
                similarity = self._similarity(stories[t].profile, open_[e].profile)
                scored[(t, e)] = (BY_TEXT, similarity, self.profile_threshold)
        owner: dict[str, int] = {}
        for position, story in enumerate(open_):
            for key in (*story.articles, *story.digests):
                owner.setdefault(key, position)
        for t, story in enumerate(stories):
            for article in story.articles:
                for key in (article, digests.get(article)):
                    if key in owner:
                        scored[(t, owner[key])] = (SHARED_ARTICLE, 1.0, 1.0)
        return scored

    def _candidates(
        self, stories: Sequence[Story], open_: list[EarlierStory]
    ) -> set[tuple[int, int]]:
        """The nearest earlier stories of each tonight's story by neural centroid, and those
        sharing one of its stored top terms (an inverted index, so the cost follows the
        postings, not the product of the two story counts)."""
        candidates: set[tuple[int, int]] = set()
        dims = stories[0].profile.centroid.shape[0]
        comparable = [e for e, story in enumerate(open_) if story.profile.centroid.shape[0] == dims]
        if comparable:
            tonight_rows, earlier_rows = nearest_of(
                np.stack([open_[e].profile.centroid for e in comparable]),
                np.stack([s.profile.centroid for s in stories]),
                CANDIDATES,
            )
            candidates.update(
                (t, comparable[e])
                for t, e in zip(tonight_rows.tolist(), earlier_rows.tolist(), strict=True)
            )
        candidates |= _sharing_terms(
            [set(s.profile.terms) for s in stories], [set(e.profile.terms) for e in open_]
        )
        return candidates

    def _two_events(
        self, shared: _SharedText | None, tonight: Story, night: str, earlier: EarlierStory
    ) -> bool:
        """Whether the grouper's story-level check, asked of the two stories taken as one, cuts
        them apart (no part holds articles of both): two events of one kind, told in the words
        of the kind. A cut across the nights leaves the story continuing in a part, as in one
        batch. Stories whose articles are not all at hand, or a check turned off, say no."""
        if self.split_below is None or shared is None or not earlier.seen:
            return False
        if not all(key in shared.row for key in earlier.seen):
            return False
        rows = [shared.row[(night, a)] for a in tonight.articles]
        rows += [shared.row[key] for key in earlier.seen]
        if not 2 * self.split_min_part <= len(rows) <= MAX_CHECKED:
            return False  # as ``split_story`` would say, without reading any names
        tonight_rows = set(rows[: len(tonight.articles)])
        parts = split_story(shared.views(), rows, self.split_below, self.split_min_part)
        return all(set(part) <= tonight_rows or not set(part) & tonight_rows for part in parts)

    def _similarity(self, tonight: Profile, earlier: Profile) -> float:
        """The old rule: weighted cosine of centroids and of top terms; centroids of another
        embedding space (the embedder changed, or a TF-IDF embedder fitted per night) leave the
        terms alone."""
        text = sum(w * earlier.terms.get(t, 0.0) for t, w in tonight.terms.items())
        if tonight.centroid.shape != earlier.centroid.shape:
            return text
        neural = float(tonight.centroid @ earlier.centroid)
        return (1 - self.text_weight) * neural + self.text_weight * text


@dataclass
class _SharedText:
    """Tonight's articles and those of the open earlier stories whose articles are all at hand,
    as one batch (the grouper's views of them, had it seen them in one night). Each story is
    the mean of its articles' unit TF-IDF rows: the dot product of two such means is the mean
    cosine of their article pairs (average link)."""

    texts: list[str]
    row: dict[tuple[str, str], int]
    """``(night, article id)`` -> its position in ``texts``."""
    means: sp.csr_matrix
    """Tonight's stories' rows first, then one row per covered earlier story."""
    tonight: int
    rows: dict[int, int]
    """Earlier story position -> its row in ``means``."""
    words: sp.csr_matrix
    """The articles' unit TF-IDF rows, in the order of ``texts``."""
    _views: Views | None = None

    @classmethod
    def build(
        cls,
        stories: Sequence[Story],
        night: str,
        open_: list[EarlierStory],
        articles: Mapping[tuple[str, str], LooseArticle],
    ) -> _SharedText | None:
        tonight_keys = [[(night, a) for a in s.articles] for s in stories]
        if not stories or not open_ or not articles:
            return None
        if any(k not in articles for keys in tonight_keys for k in keys):
            return None
        covered = [e for e, story in enumerate(open_) if all(k in articles for k in story.seen)]
        members = tonight_keys + [list(open_[e].seen) for e in covered]
        keys = sorted({key for keys in members for key in keys})
        row = {key: n for n, key in enumerate(keys)}
        texts = [worded(articles[key]) for key in keys]
        matrix, _ = word_vectors(texts)
        owners = np.repeat(np.arange(len(members)), [len(m) for m in members])
        columns = np.array([row[key] for m in members for key in m], dtype=np.int64)
        weights = np.concatenate([np.full(len(m), 1.0 / len(m)) for m in members])
        averaging = sp.csr_matrix((weights, (owners, columns)), shape=(len(members), len(keys)))
        means = sp.csr_matrix(averaging @ matrix)
        rows = {e: len(stories) + n for n, e in enumerate(covered)}
        return cls(texts, row, means, len(stories), rows, matrix)

    def views(self) -> Views:
        """What the story-level check reads of the batch (its names, and its words where a
        story names no one), the names read once and only when a check needs them."""
        if self._views is None:
            names, named = names_view(self.texts)
            self._views = Views(names, self.words, named)
        return self._views

    def covers(self, earlier: int) -> bool:
        return earlier in self.rows

    def candidates(self) -> set[tuple[int, int]]:
        """(tonight, earlier) pairs sharing one of either's top terms in the shared space."""
        terms = [_top_terms(self.means, r) for r in range(self.means.shape[0])]
        earlier = [set() for _ in range(max(self.rows, default=-1) + 1)]
        for e, r in self.rows.items():
            earlier[e] = terms[r]
        return _sharing_terms(terms[: self.tonight], earlier)

    def scores(self, pairs: list[tuple[int, int]]) -> np.ndarray:
        """Average link of each pair; 0 for an earlier story not covered."""
        out = np.zeros(len(pairs))
        kept = [n for n, (_, e) in enumerate(pairs) if e in self.rows]
        left = np.array([pairs[n][0] for n in kept], dtype=np.int64)
        right = np.array([self.rows[pairs[n][1]] for n in kept], dtype=np.int64)
        out[np.array(kept, dtype=np.int64)] = row_dots(self.means, left, right)
        return out


def _top_terms(matrix: sp.csr_matrix, row: int) -> set[int]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    columns, weights = matrix.indices[start:end], matrix.data[start:end]
    return set(columns[np.lexsort((columns, -weights))[:TOP_TERMS]].tolist())


def _sharing_terms(tonight: Sequence[set], earlier: Sequence[set]) -> set[tuple[int, int]]:
    """(tonight, earlier) pairs sharing a term; a term makes at most ``POSTINGS`` earlier
    stories candidates (its first ones), so a common term costs no more than a rare one."""
    postings: dict = {}
    for position, terms in enumerate(earlier):
        for term in terms:
            postings.setdefault(term, []).append(position)
    return {(t, e) for t, terms in enumerate(tonight) for term in terms
            for e in postings.get(term, ())[:POSTINGS]}  # fmt: skip


def _joined(parts: list[Story], story_id: str, position: Mapping[str, int]) -> Story:
    """The stories of tonight that continue one earlier story, as one story under its id: the
    largest part first (its title), articles in input order, the article-weighted profile."""
    sizes = np.array([len(p.articles) for p in parts], dtype=np.float64)
    ids = sorted(
        (a for p in parts for a in p.articles), key=lambda a: position.get(a, len(position))
    )
    if len(parts) == 1:
        return dataclasses.replace(parts[0], id=story_id)
    centroid = np.average(np.stack([p.profile.centroid for p in parts]), axis=0, weights=sizes)
    terms: dict[str, float] = {}
    for part, size in zip(parts, sizes, strict=True):
        for term, weight in part.profile.terms.items():
            terms[term] = terms.get(term, 0.0) + weight * size
    profile = Profile(
        centroid=normalize(centroid[None, :])[0].astype(np.float32),
        terms={t: round(w, DECIMALS) for t, w in _unit(terms).items()},
    )
    return Story(id=story_id, title=parts[0].title, articles=tuple(ids), profile=profile)


def _record(story: Story, night: str, first_night: str, digests: Mapping[str, str]) -> StoryRecord:
    return StoryRecord(
        id=story.id,
        night=night,
        first_night=first_night,
        title=story.title,
        articles=story.articles,
        digests=tuple(digests.get(a, "") for a in story.articles),
        centroid=tuple(round(float(x), DECIMALS) for x in story.profile.centroid),
        terms=dict(story.profile.terms),
    )


def _unit(weights: dict[str, float]) -> dict[str, float]:
    norm = float(np.sqrt(sum(w * w for w in weights.values()))) or 1.0
    return {t: w / norm for t, w in sorted(weights.items())}


def _days(earlier: str, later: str) -> int:
    return (dt.date.fromisoformat(later[:10]) - dt.date.fromisoformat(earlier[:10])).days
