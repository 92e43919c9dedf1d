"""sumy baselines and the ROUGE oracle on a small invented news cluster."""

from __future__ import annotations

import copy
import dataclasses
import sys
from pathlib import Path

import pytest

from summarize.cli import compose_config
from summarize.data import Candidates, sentence_key
from summarize.output.evaluate import RougeEvaluator
from summarize.params import ParameterError
from summarize.run.worker import build_summarizer
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.ingest import read_clusters
from summarize.stages.select.baselines import SUMY_METHODS, GreedyOracleSelector, SumySelector
from summarize.stages.select.selectors import LeadSelector

pytest.importorskip("sumy")

FIXTURE = Path(__file__).parents[1] / "fixtures" / "compare" / "compare_clusters.jsonl"
BUDGET = 60


@pytest.fixture(scope="module")
def summarizer():
    return build_summarizer(compose_config("embedder=tfidf", "output.dir=unused"))


@pytest.fixture(scope="module")
def clusters() -> list:
    return list(read_clusters(FIXTURE))


@pytest.fixture(scope="module")
def candidates(summarizer, clusters) -> list[Candidates]:
    return [summarizer.prepare(cluster) for cluster in clusters]


@pytest.fixture(scope="module")
def merged(summarizer, clusters) -> Candidates:
    """A loose dedup threshold, so that candidates stand for several sentences."""
    loose = copy.copy(summarizer)
    loose.dedup = RedundancyRemover(threshold=0.35, support_threshold=0.3)
    result = loose.prepare(clusters[0])
    assert any(len(group) > 1 for group in result.members)
    return result


def _words(candidates: Candidates, chosen: list[int]) -> int:
    return int(candidates.words[chosen].sum())


@pytest.mark.parametrize("method", SUMY_METHODS)
def test_sumy_selectors_respect_the_budget(method: str, candidates, merged) -> None:
    selector = SumySelector(method)
    for cands in [*candidates, merged]:
        chosen = selector.select(cands, BUDGET)
        assert chosen, method
        assert len(set(chosen)) == len(chosen)
        assert all(0 <= i < len(cands) for i in chosen)
        assert _words(cands, chosen) <= BUDGET
        # nothing left that would still fit: the budget is used, as sumy's ranking allows
        left = BUDGET - _words(cands, chosen)
        assert all(cands.words[i] > left for i in range(len(cands)) if i not in chosen)
        assert selector.select(cands, BUDGET) == chosen


@pytest.mark.parametrize("method", ["lexrank", "textrank", "lsa"])
def test_full_ranking_agrees_with_sumy_top_k(method: str, candidates) -> None:
    """The one-call ranking holds the same sentences sumy returns when asked for k of them."""
    from summarize.stages.select.baselines import _sumy_document

    selector = SumySelector(method)
    sentences = candidates[1].document.sentences
    ranking = selector.ranking(sentences)
    assert sorted(ranking) == list(range(len(sentences)))
    document = _sumy_document(sentences, "english")
    top = selector._summarizer()(document, 5)
    assert {str(s) for s in top} == {sentences[i].text for i in ranking[:5]}


def test_kl_stops_early_but_picks_as_the_full_ranking(candidates) -> None:
    selector = SumySelector("kl")
    for cands in candidates:
        owner = {sentence_key(s): i for i, group in enumerate(cands.members) for s in group}
        expected, remaining = [], BUDGET
        for index in selector.ranking(cands.document.sentences):  # sumy's full KL-Sum ranking
            candidate = owner[sentence_key(cands.document.sentences[index])]
            if candidate not in expected and cands.words[candidate] <= remaining:
                expected.append(candidate)
                remaining -= int(cands.words[candidate])
        assert selector.select(cands, BUDGET) == expected


def test_sumy_picks_map_to_their_candidate(merged) -> None:
    """A pick of a near-duplicate is the candidate standing for its group, taken once."""
    chosen = SumySelector("lexrank").select(merged, 10_000)
    assert sorted(chosen) == list(range(len(merged)))


def test_unknown_method_and_missing_sumy(monkeypatch, candidates) -> None:
    with pytest.raises(ParameterError, match=r"^selector\.method must be one of 'lexrank'"):
        SumySelector("luhn")
    monkeypatch.setitem(sys.modules, "sumy", None)
    with pytest.raises(ImportError, match=r"pip install 'summarize\[baselines\]'"):
        SumySelector("lexrank").select(candidates[0], BUDGET)


def test_oracle_beats_lead(candidates, clusters) -> None:
    evaluator = RougeEvaluator(budget_words=BUDGET)
    oracle, lead = GreedyOracleSelector(), LeadSelector()
    for cands, cluster in zip(candidates, clusters, strict=True):
        scores = {}
        for name, selector in (("oracle", oracle), ("lead", lead)):
            chosen = selector.select(cands, BUDGET)
            assert _words(cands, chosen) <= BUDGET
            result = evaluator.score([cands.sentences[i].text for i in chosen], cluster.references)
            scores[name] = result["rouge1_f"] + result["rouge2_f"]
        assert scores["oracle"] > scores["lead"] + 5, cluster.id


def test_oracle_needs_references(candidates) -> None:
    without = dataclasses.replace(candidates[0], references=())
    with pytest.raises(ValueError, match="needs reference summaries"):
        GreedyOracleSelector().select(without, BUDGET)
