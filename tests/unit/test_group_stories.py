"""The ``group`` stage on a small invented inbox: the right stories, stable ids, night to night."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from summarize.params import ParameterError
from summarize.stages.group import (
    LooseArticle,
    StoryGrouper,
    StoryLinker,
    StoryRecord,
    digest,
    grouping_scores,
)
from summarize.stages.group.features import article_vectors
from summarize.stages.split import PunktSplitter
from tests.story_inbox import (
    ALL,
    LOWER_CASE_FIRES,
    NIGHT1,
    NIGHT2,
    NIGHT3_LATER,
    TWO_FIRES,
    by_gold,
    loose,
)


@pytest.fixture(scope="module")
def vectors(minilm) -> dict[str, np.ndarray]:
    """Each invented article's vector, embedded once for the module."""
    rows = article_vectors(loose(ALL), minilm, PunktSplitter(), StoryGrouper().opening_sentences)
    return {r["id"]: row for r, row in zip(ALL, rows, strict=True)}


class Recording:
    """An embedder that counts its calls around another one."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []
        self.fitted_per_call = getattr(inner, "fitted_per_call", False)

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode(texts)


def test_a_night_is_embedded_in_chunks_with_the_vectors_of_one_call(minilm, vectors):
    """Bounded memory on a big night: chunks of sentences, each vector what it is alone; an
    embedder fitted per call (TF-IDF) is never split, or its chunks would not compare."""
    from summarize.stages.embed.tfidf import TfidfEmbedder

    recording = Recording(minilm)
    rows = article_vectors(loose(ALL), recording, PunktSplitter(), 5, chunk=7)
    assert len(recording.calls) > 2 and max(recording.calls) == 7
    assert np.allclose(rows, np.stack([vectors[r["id"]] for r in ALL]), atol=1e-6)
    fitted = Recording(TfidfEmbedder())
    article_vectors(loose(ALL), fitted, PunktSplitter(), 5, chunk=7)
    assert len(fitted.calls) == 1


def group(records: list[dict], vectors: dict[str, np.ndarray]):
    return StoryGrouper().group_vectors(
        loose(records), np.stack([vectors[r["id"]] for r in records])
    )


@pytest.fixture(scope="module")
def grouped(minilm):
    records = NIGHT1 + NIGHT2
    return records, StoryGrouper().group(loose(records), minilm, PunktSplitter())


def test_invented_inbox_becomes_its_four_stories(grouped):
    records, stories = grouped
    assert len(stories) == 4
    found = by_gold(stories, records)
    assert all(len(ids) == 1 for ids in found.values()), found
    story_of = {a: s.id for s in stories for a in s.articles}
    scores = grouping_scores([r["story"] for r in records], [story_of[r["id"]] for r in records])
    assert scores["pair_f1"] == scores["bcubed_f1"] == 1.0


def test_stories_list_articles_in_input_order_with_readable_ids(grouped):
    records, stories = grouped
    position = {r["id"]: n for n, r in enumerate(records)}
    for story in stories:
        assert [position[a] for a in story.articles] == sorted(position[a] for a in story.articles)
        assert story.id.replace("-", "").isalnum() and story.id == story.id.lower()
    rates = next(s for s in stories if "rates-bank-wire" in s.articles)
    assert rates.articles == ("rates-bank-ledger", "rates-bank-wire", "rates-bank-herald")
    assert "quenland" in rates.id
    assert "Quenland" in rates.title


def test_same_input_same_ids_and_shuffled_input_same_stories(grouped, vectors):
    records, stories = grouped
    again = group(records, vectors)
    assert [(s.id, s.title, s.articles) for s in again] == [
        (s.id, s.title, s.articles) for s in stories
    ]
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    other = group(shuffled, vectors)
    assert {(s.id, s.title, frozenset(s.articles)) for s in other} == {
        (s.id, s.title, frozenset(s.articles)) for s in stories
    }


def test_a_story_id_is_its_slug_and_a_hash_of_its_articles(grouped):
    _, stories = grouped
    ids = [s.id for s in stories]
    assert len(set(ids)) == len(ids)
    for story in stories:
        slug, _, tail = story.id.rpartition("-")
        assert len(tail) == 8 and int(tail, 16) >= 0
        assert slug.split("-")[0] in story.title.lower()


def test_unrelated_articles_stay_apart(vectors):
    lone = [NIGHT1[0], NIGHT1[3], NIGHT1[5]]
    stories = group(lone, vectors)
    assert sorted(len(s.articles) for s in stories) == [1, 1, 1]


def test_one_article_and_no_article():
    grouper = StoryGrouper()
    assert grouper.group_vectors([], np.zeros((0, 4))) == []
    (story,) = grouper.group_vectors(loose(NIGHT1[:1]), np.ones((1, 4)))
    assert story.articles == ("harrow-bridge-wire",)
    assert story.title == NIGHT1[0]["title"]


def test_repeated_ids_are_refused():
    articles = loose(NIGHT1[:2])
    twice = [articles[0], LooseArticle(id=articles[0].id, text=articles[1].text)]
    with pytest.raises(ValueError, match="harrow-bridge-wire"):
        StoryGrouper().group_vectors(twice, np.ones((2, 4)))


def test_parameters_are_checked_and_the_stage_pickles():
    with pytest.raises(ParameterError, match=r"group\.threshold"):
        StoryGrouper(threshold=1.5)
    with pytest.raises(ParameterError, match=r"group\.linkage"):
        StoryGrouper(linkage="ward")
    with pytest.raises(ParameterError, match="text_weight"):
        StoryGrouper(text_weight=0.8, names_weight=0.4)
    with pytest.raises(ParameterError, match=r"group\.link\.close_after_days"):
        StoryLinker(close_after_days=-1)
    grouper = pickle.loads(pickle.dumps(StoryGrouper(threshold=0.4)))
    assert grouper.threshold == 0.4


def night(records, vectors, name, index, linker):
    stories = group(records, vectors)
    digests = {r["id"]: digest(r["text"]) for r in records}
    return linker.link(stories, digests, name, index)


def test_a_continuing_story_keeps_its_id_and_stale_stories_close(vectors):
    linker = StoryLinker(close_after_days=5)
    index: list[StoryRecord] = []
    first = night(NIGHT1, vectors, "2031-04-02", index, linker)
    index += first.records
    assert first.continued == {} and first.closed == []
    volcano = by_gold(first.stories, NIGHT1)["volcano"].pop()
    bridge = by_gold(first.stories, NIGHT1)["bridge"].pop()

    second = night(NIGHT2, vectors, "2031-04-03", index, linker)
    index += second.records
    found = by_gold(second.stories, NIGHT2)
    assert found["volcano"] == {volcano}
    assert set(second.continued) == {volcano}
    assert second.continued[volcano].last_night == "2031-04-02"
    assert found["rates"].isdisjoint({s.id for s in first.stories})
    record = next(r for r in second.records if r.id == volcano)
    assert (record.first_night, record.night) == ("2031-04-02", "2031-04-03")

    third = night(NIGHT3_LATER, vectors, "2031-04-08", index, linker)
    assert [s.id for s in third.stories] == [volcano]
    assert bridge in third.closed and volcano not in third.closed
    assert third.continued[volcano].nights == ("2031-04-02", "2031-04-03")


def test_rerunning_a_night_links_it_as_the_first_time(vectors):
    linker = StoryLinker()
    first = night(NIGHT1, vectors, "2031-04-02", [], linker)
    second = night(NIGHT2, vectors, "2031-04-03", first.records, linker)
    # The index now also holds the night being rerun: it must not link the night to itself.
    rerun = night(NIGHT2, vectors, "2031-04-03", first.records + second.records, linker)
    assert [s.id for s in rerun.stories] == [s.id for s in second.stories]
    assert rerun.records == second.records


def test_index_records_round_trip_through_json(vectors):
    import json

    first = night(NIGHT1, vectors, "2031-04-02", [], StoryLinker())
    for record in first.records:
        assert StoryRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
    with pytest.raises(ValueError, match="night"):
        StoryRecord.from_json({"id": "x"})


@pytest.mark.parametrize(
    ("fires", "first", "second"),
    [(TWO_FIRES, "brackwell-fire", "tolmere-fire"),
     (LOWER_CASE_FIRES, "dunmore-fire", "tolmere-fire")],
    ids=["names", "lower-case"],
)  # fmt: skip
def test_two_fires_in_different_towns_on_different_dates_become_two_stories(
    minilm, fires, first, second
):
    """Same kind, same words of the kind ("warehouse", "blaze", "firefighters"), different
    towns, people, figures and dates: two stories, each whole. The night's words alone (the
    TF-IDF cosine, without the story-level check) glue them into one. The check reads what each
    article names; lower-cased text (as Multi-News gives it) names no one that can be told from
    a word, so there it reads the stories' words: what all six say of a warehouse fire weighs
    nothing inside the story, and the towns, people and goods are left to part them."""
    records = NIGHT1 + fires
    articles = loose(records)
    found = by_gold(StoryGrouper().group(articles, minilm, PunktSplitter()), records)
    assert len(found[first]) == len(found[second]) == 1
    assert found[first] != found[second]
    words_alone = StoryGrouper(score="cosine", threshold=0.16, split_below=None)
    glued = by_gold(words_alone.group(articles, minilm, PunktSplitter()), records)
    assert glued[first] == glued[second]


def test_a_story_told_by_two_outlets_each_republished_stays_one_story(minilm):
    """Each of the two fires' lower-cased reports of one town republished three times with a
    word or two dropped, as wire copies are: the copies of one report are one article to the
    story-level check, so the two reports are not two tight groups to split apart."""
    reports = [r for r in LOWER_CASE_FIRES if r["story"] == "dunmore-fire"][:2]
    records = list(NIGHT1)
    for report in reports:
        words = report["text"].split()
        for copy in range(4):
            kept = [w for n, w in enumerate(words) if copy == 0 or n % 11 != copy]
            records.append({**report, "id": f"{report['id']}~{copy}", "text": " ".join(kept)})
    found = by_gold(StoryGrouper().group(loose(records), minilm, PunktSplitter()), records)
    assert len(found["dunmore-fire"]) == 1


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("https://www.lentongazette.example/news/2031/04/bridge", "LENTON (Valley Wire) -- A "
         "footbridge collapsed on Tuesday.", "A footbridge collapsed on Tuesday."),
        ("By Marta Vell", "A footbridge collapsed on Tuesday.", "A footbridge collapsed on Tuesday."),
        ("Photo: rescuers at the river (Valley Wire/Ines Marrow)", "LENTON, Harrow -- A "
         "footbridge collapsed.", "A footbridge collapsed."),
        (None, "(Photo: Valley Wire)\nA footbridge collapsed.", "A footbridge collapsed."),
        ("Footbridge collapses in Lenton", "By Marta Vell\nText.", "Footbridge collapses in Lenton"),
    ],
)  # fmt: skip
def test_a_story_title_is_never_a_url_byline_dateline_or_caption(title, text, expected):
    (story,) = StoryGrouper().group_vectors(
        [LooseArticle(id="a", text=text, title=title)], np.ones((1, 4))
    )
    assert story.title == expected
