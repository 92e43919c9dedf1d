import dataclasses

import numpy as np
import pytest

from summarize.clean import BoilerplateCleaner
from summarize.dedup import RedundancyRemover
from summarize.order import PositionOrderer
from summarize.pipeline import Summarizer
from summarize.select import LeadSelector
from summarize.split import PunktSplitter


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
    members = [id(s) for group in candidates.members for s in group]
    assert sorted(members) == sorted(id(s) for s in candidates.document.sentences)


def test_lower_threshold_merges_more(sample_cluster, minilm, candidates):
    looser = prepare(sample_cluster, minilm, threshold=0.6)
    assert len(looser) < len(candidates)


def test_identical_articles_collapse_to_one_copy(sample_cluster, minilm):
    article = sample_cluster.articles[1]
    copies = tuple(dataclasses.replace(article, index=i) for i in range(3))
    cluster = dataclasses.replace(sample_cluster, articles=copies)
    candidates = prepare(cluster, minilm)
    assert len(candidates) == len(candidates.document.sentences) // 3
    assert candidates.source_of == (0, 0, 0) and candidates.n_articles == 1
    assert set(candidates.support.tolist()) == {1}  # copies are one source, not three


def test_threshold_must_be_a_similarity():
    with pytest.raises(ValueError, match="dedup threshold"):
        RedundancyRemover(threshold=1.5)
