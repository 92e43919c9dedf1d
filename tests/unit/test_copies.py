"""Republished copies count as one source: detection, support, concept weights, briefing."""

import dataclasses
import re

import numpy as np
import pytest

from summarize.data import Article, Cluster
from summarize.pipeline import Summarizer
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.copies import CopyDetector
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.embed import TfidfEmbedder
from summarize.stages.order.order import PositionOrderer
from summarize.stages.select.selectors import ConceptCoverageSelector, concept_weights
from summarize.stages.split import PunktSplitter

WIRE = (
    "HARLOW BAY (Tidewire) - A cargo ship carrying 40,000 tonnes of grain ran aground on the "
    "Merrow Shoal outside Harlow Bay early on Sunday, closing the port's only deep-water channel.",
    "The harbour master said all 22 crew members of the Panamanian-flagged Aster Lune were safe.",
    "Tugs failed to pull the vessel free at high tide on Sunday afternoon, the port authority said.",
    "Salvage teams expect to begin pumping fuel from the ship's tanks on Tuesday.",
    "About 30 ships are waiting at anchor outside the bay, according to a shipping agent.",
    "Grain traders said the closure could delay exports for up to two weeks.",
    "The channel was last closed in 2009, when a dredger sank during a storm.",
    "Investigators from the national maritime board arrived on Sunday evening to question the "
    "pilot.",
)
INDEPENDENT_A = (
    "The port of Harlow Bay was shut on Sunday after the grain carrier Aster Lune grounded on a "
    "sandbank at the mouth of the channel.",
    "The ship's 22 sailors were unhurt, harbour officials told reporters.",
    "A first attempt by tugs to refloat the ship at high tide failed.",
    "Fishing boats from the nearby village of Corrin were allowed to leave through a shallow "
    "passage.",
    "Local councillors called for the channel to be widened, a project shelved three years ago.",
)
INDEPENDENT_B = (
    "Dozens of vessels are stuck at anchor outside Harlow Bay after a bulk carrier blocked the "
    "harbour entrance on Sunday.",
    "Exporters warned that grain shipments could be held up for as long as two weeks.",
    "The maritime board said its inspectors would examine the ship's navigation records.",
    "Insurers estimated that the salvage would cost several million dollars.",
    "The grounding is the worst disruption at the port since a dredger sank there in 2009.",
)


def republished(article: Article, index: int) -> Article:
    """Another outlet's copy: a byline, the fourth line dropped, two words changed."""
    lines = article.text.splitlines()
    del lines[4]
    text = "\n".join(["By Staff Reporter", *lines])
    text = re.sub(r"\bsafe\b", "unharmed", text)
    text = re.sub(r"\bexpect\b", "plan", text)
    return dataclasses.replace(article, index=index, text=text, source="coastal-post.txt")


@pytest.fixture(scope="module")
def plain() -> Cluster:
    texts = [
        ("tidewire.txt", "Grain ship aground", WIRE),
        ("harbour-news.txt", "Port shut", INDEPENDENT_A),
        ("trade.txt", "Exports held up", INDEPENDENT_B),
    ]
    articles = tuple(
        Article(index=i, text="\n".join(lines), source=source, title=title)
        for i, (source, title, lines) in enumerate(texts)
    )
    return Cluster(id="harlow", articles=articles, source="invented")


@pytest.fixture(scope="module")
def with_copy(plain) -> Cluster:
    copy = republished(plain.articles[0], 3)
    return dataclasses.replace(plain, articles=(*plain.articles, copy))


def summarizer(budget: int = 60) -> Summarizer:
    return Summarizer(
        BoilerplateCleaner(), PunktSplitter(), TfidfEmbedder(), RedundancyRemover(),
        ConceptCoverageSelector(), PositionOrderer(), budget_words=budget,
    )  # fmt: skip


def test_a_lightly_edited_republication_is_detected(with_copy):
    briefing = summarizer().summarize(with_copy)
    assert briefing.details["republished"] == [{"article": 3, "copy_of": 0}]
    assert any(
        "article 3 republishes article 0 (Grain ship aground)" in w for w in briefing.warnings
    )


def test_independent_reports_of_one_event_are_not_copies(plain):
    candidates = summarizer().prepare(plain)
    assert candidates.source_of == (0, 1, 2)
    assert candidates.n_articles == 3


def test_the_longer_article_is_the_original_whatever_the_input_order(plain):
    copy = republished(plain.articles[0], 0)
    shifted = [dataclasses.replace(a, index=a.index + 1) for a in plain.articles]
    cluster = dataclasses.replace(plain, articles=(copy, *shifted))
    candidates = summarizer().prepare(cluster)
    assert candidates.source_of == (1, 1, 2, 3)


def test_support_counts_the_copy_once(plain, with_copy):
    before = summarizer().prepare(plain)
    after = summarizer().prepare(with_copy)
    assert after.n_articles == 3
    support_before = {s.text: n for s, n in zip(before.sentences, before.support, strict=True)}
    for sentence, support, stated in zip(
        after.sentences, after.support, after.stated_by, strict=True
    ):
        assert 3 not in stated  # the copy is shown as its original
        if sentence.text in support_before:
            assert support == support_before[sentence.text], sentence.text
    # every sentence of the wire story is still represented by the original article
    assert all(s.article != 3 for s in after.sentences if s.text in support_before)


def test_concept_weights_count_the_copy_once(plain, with_copy):
    before = concept_weights(summarizer().prepare(plain), min_df=2, min_df_share=0.0)
    after = concept_weights(summarizer().prepare(with_copy), min_df=2, min_df_share=0.0)
    assert before[("harlow", "bay")] == 3
    assert ("ran", "aground") not in before  # one source only: below the minimum frequency
    assert before == after


def test_the_briefing_is_the_same_with_the_copy(plain, with_copy):
    for budget in (40, 80):
        before = summarizer(budget).summarize(plain)
        after = summarizer(budget).summarize(with_copy)
        assert [s.text for s in after.sentences] == [s.text for s in before.sentences]
        assert [s.also_in for s in after.sentences] == [s.also_in for s in before.sentences]


@pytest.mark.slow  # builds and runs the MiniLM model
def test_the_briefing_is_the_same_with_the_copy_with_minilm(plain, with_copy, minilm):
    def run(cluster):
        return Summarizer(
            BoilerplateCleaner(), PunktSplitter(), minilm, RedundancyRemover(),
            ConceptCoverageSelector(), PositionOrderer(), budget_words=80,
        ).summarize(cluster)  # fmt: skip

    before, after = run(plain), run(with_copy)
    assert after.details["republished"] == [{"article": 3, "copy_of": 0}]
    assert [s.text for s in after.sentences] == [s.text for s in before.sentences]


def test_without_detection_the_copy_would_count_twice(with_copy):
    candidates = summarizer().prepare(with_copy)
    counted_as_articles = dataclasses.replace(candidates, source_of=())
    counted_as_articles.document = dataclasses.replace(candidates.document, source_of=())
    as_sources = concept_weights(candidates, min_df=2, min_df_share=0.0)
    as_articles = concept_weights(counted_as_articles, min_df=2, min_df_share=0.0)
    assert len(as_articles) > len(as_sources)
    shared = [c for c in as_sources if as_articles[c] != as_sources[c]]
    assert shared and all(as_articles[c] == as_sources[c] + 1 for c in shared)


def test_share_must_be_a_fraction():
    with pytest.raises(ValueError, match="min_share"):
        CopyDetector(min_share=0.0)
    assert np.isclose(CopyDetector(min_share=1.0).min_share, 1.0)
