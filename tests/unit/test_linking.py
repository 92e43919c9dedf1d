"""Night to night with the articles at hand (``StoryLinker``): a story retold by another outlet
in other words keeps its id, two events of one kind on two nights stay two stories, the parts
of a story the night's grouping split are joined under the earlier id, and an earlier night
whose articles are not at hand still links, by the stories' profiles in the index.

The neural vectors here carry nothing (seeded noise, one per article), so every link made
from the text is the words' doing."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from summarize.stages.group import LooseArticle, StoryGrouper, StoryLinker, StoryRecord, digest
from tests.story_inbox import NIGHT1, NIGHT2, TWO_FIRES, by_gold, loose

FIRST, SECOND = "2031-04-02", "2031-04-03"
RATES = [r for r in NIGHT2 if r["story"] == "rates"]
VOLCANO_DAY2 = [r for r in NIGHT2 if r["story"] == "volcano"]
KESHAR_RETOLD = {
    "id": "keshar-observatory-radio",
    "story": "volcano",
    "source": "Tavora Radio",
    "date": SECOND,
    "title": "Ines Marrow: Keshar could rumble on for weeks",
    "text": "Schools in Port Sella have become shelters for families who fled Mount Keshar, and "
    "Ines Marrow, who leads the Tavora observatory, warned on Wednesday that the mountain may "
    "keep rumbling for weeks. Airlines flying to Port Sella have called off their services "
    "until Friday.",
}
"""Night one's volcano told again by an outlet of its own: other words, the same names."""
BRACKWELL = [r for r in TWO_FIRES if r["story"] == "brackwell-fire"]
TOLMERE = [r for r in TWO_FIRES if r["story"] == "tolmere-fire"]
OTHERS = [r for r in NIGHT1 if r["story"] != "volcano"]


def seeded(keys: list[str]) -> np.ndarray:
    """One seeded random unit vector per key (the same key, the same vector)."""
    rows = [np.random.default_rng(int(hashlib.sha1(k.encode()).hexdigest()[:8], 16)).normal(size=32)
            for k in keys]  # fmt: skip
    return np.stack(rows) / np.linalg.norm(rows, axis=1, keepdims=True)


def noise(records: list[dict]) -> np.ndarray:
    """One vector per article: a neural view that says nothing."""
    return seeded([r["id"] for r in records])


def by_story(records: list[dict]) -> np.ndarray:
    """One vector per gold story, shared by its articles: a neural view that knows."""
    return seeded([r["story"] for r in records])


def nights(*inboxes: tuple[str, list[dict]], linker=None, vectors=noise, keep_articles=True):
    """Groups and links each night in turn as a nightly run does: the index's records and the
    articles of the nights before (all in the open window here) plus tonight's."""
    linker = linker or StoryLinker()
    records: list[StoryRecord] = []
    stored: dict[tuple[str, str], LooseArticle] = {}
    linkings = []
    for name, inbox in inboxes:
        articles = loose(inbox)
        stories = StoryGrouper().group_vectors(articles, vectors(inbox))
        tonight = {(name, a.id): a for a in articles}
        at_hand = {**(stored if keep_articles else {}), **tonight}
        digests = {a.id: digest(a.text) for a in articles}
        linkings.append(linker.link(stories, digests, name, records, at_hand))
        records += linkings[-1].records
        stored.update(tonight)
    return linkings


def test_a_story_retold_by_another_outlet_in_other_words_keeps_its_id():
    first, second = nights((FIRST, NIGHT1), (SECOND, [KESHAR_RETOLD, *RATES]))
    (volcano,) = by_gold(first.stories, NIGHT1)["volcano"]
    found = by_gold(second.stories, [KESHAR_RETOLD, *RATES])
    assert found["volcano"] == {volcano}
    assert set(second.continued) == {volcano}
    assert found["rates"].isdisjoint({s.id for s in first.stories})
    assert second.scores[volcano] >= StoryLinker().threshold
    # The stories' profiles alone (the rule for nights whose articles are not at hand) miss
    # it: what links them are the names each night's text uses once.
    _, blind = nights((FIRST, NIGHT1), (SECOND, [KESHAR_RETOLD, *RATES]), keep_articles=False)
    assert volcano not in blind.continued


def test_two_events_of_one_kind_on_two_nights_stay_two_stories():
    """Two warehouse fires told in the same words of the kind, in other towns with other
    people: the words alone reach the cut, the grouper's story-level check on the two taken
    as one tells them apart, so the second fire is a new story."""
    first, second = nights((FIRST, BRACKWELL + OTHERS), (SECOND, TOLMERE + RATES))
    (brackwell,) = by_gold(first.stories, BRACKWELL)["brackwell-fire"]
    (tolmere,) = by_gold(second.stories, TOLMERE)["tolmere-fire"]
    assert tolmere != brackwell and second.continued == {}
    _, unchecked = nights(
        (FIRST, BRACKWELL + OTHERS),
        (SECOND, TOLMERE + RATES),
        linker=StoryLinker(split_below=None),
    )
    assert by_gold(unchecked.stories, TOLMERE)["tolmere-fire"] == {brackwell}


def test_the_parts_of_a_story_split_tonight_are_joined_under_the_earlier_id():
    (first,) = nights((FIRST, NIGHT1))
    (volcano,) = by_gold(first.stories, NIGHT1)["volcano"]
    inbox = [VOLCANO_DAY2[0], *RATES, VOLCANO_DAY2[1]]
    articles = loose(inbox)
    vectors = noise(inbox)
    grouped = StoryGrouper().group_vectors(articles, vectors)
    (whole,) = {s for s in grouped if VOLCANO_DAY2[0]["id"] in s.articles}
    # As if the night had split the volcano story: each of its articles a story of its own.
    parts = [
        StoryGrouper().group_vectors([a], vectors[[n]])[0]
        for n, a in enumerate(articles)
        if a.id in whole.articles
    ]
    tonight = [*parts, *(s for s in grouped if s is not whole)]
    at_hand = {(FIRST, a.id): a for a in loose(NIGHT1)}
    at_hand.update(((SECOND, a.id), a) for a in articles)
    second = StoryLinker().link(
        tonight, {a.id: digest(a.text) for a in articles}, SECOND, first.records, at_hand
    )
    joined = [s for s in second.stories if s.id == volcano]
    assert len(joined) == 1 and len(second.stories) == len(tonight) - 1
    # Both articles, in the order of the inbox; one index record for the story tonight.
    assert joined[0].articles == (VOLCANO_DAY2[0]["id"], VOLCANO_DAY2[1]["id"])
    assert second.merged == {volcano: 2}
    (record,) = [r for r in second.records if r.id == volcano]
    assert record.articles == joined[0].articles and record.first_night == FIRST


def test_an_earlier_night_without_its_articles_links_by_the_index_profiles():
    """An index written before the articles files were kept (its records as they were then,
    read back from JSON), or whose articles file is damaged: its stories are compared by their
    mean vector and top terms, against the old cut, and still continue."""
    (first,) = nights((FIRST, NIGHT1), vectors=by_story)
    (volcano,) = by_gold(first.stories, NIGHT1)["volcano"]
    old = [StoryRecord.from_json(json.loads(json.dumps(r.to_json()))) for r in first.records]
    assert old == first.records
    inbox = [*VOLCANO_DAY2, *RATES]
    articles = loose(inbox)
    stories = StoryGrouper().group_vectors(articles, by_story(inbox))
    digests = {a.id: digest(a.text) for a in articles}
    tonight = {(SECOND, a.id): a for a in articles}
    linker = StoryLinker()
    blind = linker.link(stories, digests, SECOND, old, tonight)
    assert by_gold(blind.stories, inbox)["volcano"] == {volcano}
    assert set(blind.continued) == {volcano}
    # The old rule's score: the shared mean vector alone gives it half.
    assert blind.scores[volcano] >= 0.5 > linker.threshold
    with_articles = {**tonight, **{(FIRST, a.id): a for a in loose(NIGHT1)}}
    seen = linker.link(stories, digests, SECOND, old, with_articles)
    assert set(seen.continued) == {volcano}
    assert seen.scores[volcano] != pytest.approx(blind.scores[volcano])


def test_linking_again_gives_the_same_stories_and_records():
    once = nights((FIRST, NIGHT1), (SECOND, [KESHAR_RETOLD, *NIGHT2]))
    again = nights((FIRST, NIGHT1), (SECOND, [KESHAR_RETOLD, *NIGHT2]))
    assert [s.id for s in once[1].stories] == [s.id for s in again[1].stories]
    assert once[1].records == again[1].records
