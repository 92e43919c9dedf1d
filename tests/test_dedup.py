import dataclasses

import numpy as np
import pytest

from summarize.data import sentence_key
from summarize.params import ParameterError
from summarize.pipeline import Summarizer
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.order.order import PositionOrderer
from summarize.stages.select.selectors import LeadSelector
from summarize.stages.split import PunktSplitter


def prepare(cluster, embedder, threshold=0.8):
    summarizer = Summarizer(
        BoilerplateCleaner(),
        PunktSplitter(),
        embedder,
        RedundancyRemover(threshold=threshold),
        LeadSelector(),
        PositionOrderer(),
    )
    return summarizer.prepare(cluster)


@pytest.fixture(scope="module")
def candidates(sample_cluster, minilm):
    return prepare(sample_cluster, minilm)


def test_no_two_candidates_reach_the_threshold(candidates):
    similarity = candidates.similarity()
    np.fill_diagonal(similarity, 0.0)
    assert similarity.max() < 0.8
    assert len(candidates) < len(candidates.document.sentences)


def test_paraphrases_across_outlets_collapse_into_one_supported_fact(candidates):
    mayor = [
        i for i, group in enumerate(candidates.members)
        if any("state of emergency" in s.text for s in group)
    ]  # fmt: skip
    assert len(mayor) == 1, "the four outlets' sentences on the emergency are one fact"
    group = candidates.members[mayor[0]]
    assert len({s.article for s in group}) == 4
    # Meridian's wire story (article 1) is republished by Bayside Daily (article 2): one source
    assert candidates.source_of == (0, 2, 2, 3)
    assert candidates.support[mayor[0]] == 3 and candidates.stated_by[mayor[0]] == (0, 2, 3)
    representative = candidates.sentences[mayor[0]]
    originals = [s for s in group if s.article != 1]
    assert representative.position == min(s.position for s in originals)


def test_every_sentence_belongs_to_exactly_one_candidate(candidates):
    members = [sentence_key(s) for group in candidates.members for s in group]
    assert sorted(members) == sorted(sentence_key(s) for s in candidates.document.sentences)


@pytest.mark.slow
def test_lower_threshold_merges_more(sample_cluster, minilm, candidates):
    looser = prepare(sample_cluster, minilm, threshold=0.6)
    assert len(looser) < len(candidates)


@pytest.mark.slow
def test_identical_articles_collapse_to_one_copy(sample_cluster, minilm):
    article = sample_cluster.articles[1]
    copies = tuple(dataclasses.replace(article, index=i) for i in range(3))
    cluster = dataclasses.replace(sample_cluster, articles=copies)
    candidates = prepare(cluster, minilm)
    assert len(candidates) == len(candidates.document.sentences) // 3
    assert candidates.source_of == (0, 0, 0) and candidates.n_articles == 1
    assert set(candidates.support.tolist()) == {1}  # copies are one source, not three


def test_threshold_must_be_a_similarity():
    with pytest.raises(ParameterError, match=r"^dedup\.threshold must be in \(0, 1\], got 1\.5$"):
        RedundancyRemover(threshold=1.5)


def test_support_rule_needs_shared_words_and_numbers():
    from summarize.stages.dedup import SupportRule

    rule = SupportRule()
    a = "The council voted 7 to 2 on Monday to close the Brackenfield landfill."
    same = "On Monday the council voted 7 to 2 to close Brackenfield's landfill."
    other_vote = "The council voted 5 to 4 on Monday to close the Brackenfield landfill."
    other_claim = "The Brackenfield landfill opened in 1988 and takes waste from four towns."
    assert rule.supports(a, same, 0.9)
    assert not rule.supports(a, same, 0.5)  # below the similarity threshold
    assert not rule.supports(a, other_vote, 0.95)  # the numbers disagree
    assert not rule.supports(a, other_claim, 0.7)  # same topic, a different claim
    with pytest.raises(ParameterError, match=r"support\.min_shared"):
        SupportRule(min_shared=1.5)


def test_articles_on_the_same_topic_are_not_tagged_as_stating_a_different_fact():
    from summarize.data import Article, Cluster
    from summarize.stages.embed import TfidfEmbedder

    texts = [
        "Talks between the two foreign ministers on the ceasefire will take place in Geneva on "
        "Saturday, the ministry said.",
        "The two foreign ministers will meet in Geneva on Saturday to discuss the ceasefire, "
        "officials said.",
        "The two foreign ministers met in Hamburg on Wednesday to discuss the ceasefire, "
        "officials said.",
    ]
    cluster = Cluster(
        id="talks",
        articles=tuple(Article(i, t, f"{i}.txt") for i, t in enumerate(texts)),
        source="test",
    )
    candidates = prepare(cluster, TfidfEmbedder(), threshold=0.95)
    loose = RedundancyRemover(threshold=0.95, support_threshold=0.2, support_min_shared=0.6)
    candidates = loose.transform(candidates.document)
    geneva = next(i for i, s in enumerate(candidates.sentences) if s.article == 0)
    # cosine alone (0.25 >= 0.2) would tag the Hamburg meeting too
    assert candidates.stated_by[geneva] == (0, 1)
