"""Night to night: which of tonight's stories continue a story of an earlier night.

Following Linger and Hajaiej (2020), stories are found per night (``grouper``) and then linked
to the stories of earlier nights. A pure function of tonight's stories and a snapshot of the
story index; reading and writing the index is the run layer's store's job.

The index is a list of ``StoryRecord``: one per story per night it was seen, with what a later
night needs to recognise it (the mean neural vector and top TF-IDF terms of that night's
articles, the article ids and text digests). Because a night adds its own records and reads
only the records of nights before it, running a night again (a rerun, a resume after a kill)
links it exactly as the first time, never to itself.

Linking: each of tonight's stories is compared with the open earlier stories nearest to it
(neural centroid, HNSW), scored by ``(1 - text_weight) * cos(centroids) + text_weight *
cos(top terms)``; a story sharing an article (same id or same text) with an earlier one scores
1. Pairs at or above ``threshold`` are matched one to one, best first. A story not seen for
more than ``close_after_days`` days is closed: it is no longer a candidate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from sklearn.preprocessing import normalize

from summarize.params import Constraint, Interval, check_params
from summarize.stages.group.neighbours import nearest_of
from summarize.stages.group.stories import Profile, Story

CANDIDATES = 10
POSTINGS = 50
"""Earlier stories a shared top term makes candidates, at most (the term's first ones)."""
DECIMALS = 6


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
                profile=Profile(
                    centroid=normalize(centroid[None, :])[0].astype(np.float32),
                    terms=_unit(terms),
                ),
            )
        )
    return stories


class StoryLinker:
    """Links tonight's stories to earlier ones (see the module docstring)."""

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "threshold": Interval(0, 1, closed="right"),
        "text_weight": Interval(0, 1),
        "close_after_days": Interval(0, integer=True),
    }

    def __init__(
        self, threshold: float = 0.3, text_weight: float = 0.5, close_after_days: int = 7
    ) -> None:
        self.threshold = threshold
        self.text_weight = text_weight
        self.close_after_days = close_after_days
        check_params(self, "group.link")

    def link(
        self,
        stories: Sequence[Story],
        digests: Mapping[str, str],
        night: str,
        records: Sequence[StoryRecord],
    ) -> Linking:
        """Tonight's stories linked to the index's stories of nights before ``night``.

        ``digests`` maps each of tonight's article ids to its content digest.
        """
        earlier = earlier_stories(records, before=night)
        open_ = [e for e in earlier if _days(e.last_night, night) <= self.close_after_days]
        closed = [e.id for e in earlier if _days(e.last_night, night) > self.close_after_days]
        scores = self._scores(stories, digests, open_)
        taken_tonight: set[int] = set()
        taken_earlier: set[int] = set()
        match: dict[int, tuple[int, float]] = {}
        for (tonight, before), score in sorted(
            scores.items(),
            key=lambda item: (-item[1], stories[item[0][0]].id, open_[item[0][1]].id),
        ):
            if score < self.threshold or tonight in taken_tonight or before in taken_earlier:
                continue
            taken_tonight.add(tonight)
            taken_earlier.add(before)
            match[tonight] = (before, score)
        linked: list[Story] = []
        continued: dict[str, EarlierStory] = {}
        link_scores: dict[str, float] = {}
        out_records = []
        for number, story in enumerate(stories):
            first_night = night
            if number in match:
                previous = open_[match[number][0]]
                story = dataclasses.replace(story, id=previous.id)
                continued[story.id] = previous
                link_scores[story.id] = round(match[number][1], DECIMALS)
                first_night = previous.first_night
            linked.append(story)
            out_records.append(_record(story, night, first_night, digests))
        return Linking(linked, continued, closed, out_records, link_scores)

    def _scores(
        self, stories: Sequence[Story], digests: Mapping[str, str], open_: list[EarlierStory]
    ) -> dict[tuple[int, int], float]:
        """Score of each candidate (tonight, earlier) pair: the nearest earlier stories of each
        tonight's story, plus every earlier story sharing one of its articles."""
        if not stories or not open_:
            return {}
        owner: dict[str, int] = {}
        for position, story in enumerate(open_):
            for key in (*story.articles, *story.digests):
                owner.setdefault(key, position)
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
        # Earlier stories sharing a top term are candidates too (an inverted index, so the
        # cost follows the postings, not the product of the two story counts).
        postings: dict[str, list[int]] = {}
        for position, story in enumerate(open_):
            for term in story.profile.terms:
                postings.setdefault(term, []).append(position)
        for t, story in enumerate(stories):
            for term in story.profile.terms:
                candidates.update((t, e) for e in postings.get(term, ())[:POSTINGS])
        pairs = {
            (t, e): self._similarity(stories[t].profile, open_[e].profile)
            for t, e in sorted(candidates)
        }
        for t, story in enumerate(stories):
            for article in story.articles:
                for key in (article, digests.get(article)):
                    if key in owner:
                        pairs[(t, owner[key])] = 1.0
        return pairs

    def _similarity(self, tonight: Profile, earlier: Profile) -> float:
        """Weighted cosine of centroids and of top terms; centroids of another embedding space
        (the embedder changed, or a TF-IDF embedder fitted per night) leave the terms alone."""
        text = sum(w * earlier.terms.get(t, 0.0) for t, w in tonight.terms.items())
        if tonight.centroid.shape != earlier.centroid.shape:
            return text
        neural = float(tonight.centroid @ earlier.centroid)
        return (1 - self.text_weight) * neural + self.text_weight * text


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
