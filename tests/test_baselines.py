"""sumy baselines and the ROUGE oracle on a small invented news cluster."""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
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

FIXTURE = Path(__file__).parent / "fixtures" / "compare" / "compare_clusters.jsonl"
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


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


@pytest.mark.slow
def test_leaderboard_scores_of_sumy_baselines_match_rouge_score(tmp_path: Path) -> None:
    """The leaderboard's means equal rouge-score applied directly to each job's summaries.jsonl."""
    from rouge_score import rouge_scorer

    sweep = tmp_path / "sweep"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "summarize",
            "-m",
            "selector=sumy_lexrank,sumy_kl",
            f"input.path={FIXTURE}",
            "embedder=tfidf",
            f"budget.words={BUDGET}",
            "output.formats=[jsonl]",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    references = {
        record["id"]: record["summaries"]
        for record in map(json.loads, FIXTURE.read_text().splitlines())
    }
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    with (sweep / "leaderboard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["configuration"] for r in rows} == {"selector=sumy_lexrank", "selector=sumy_kl"}
    for row in rows:
        summaries = (Path(row["job_dir"]) / "summaries.jsonl").read_text().splitlines()
        assert len(summaries) == len(references)
        independent: dict[str, list[float]] = {}
        for record in map(json.loads, summaries):
            prediction = "\n".join(s["text"] for s in record["sentences"])
            for reference in references[record["id"]]:
                target = "\n".join(_sentences(reference))
                for metric, score in scorer.score(target, prediction).items():
                    independent.setdefault(metric, []).append(100 * score.fmeasure)
        for metric in ("rouge1", "rouge2", "rougeLsum"):
            # per cluster: mean over its references; then the mean over clusters
            per_cluster = _mean_per_cluster(independent[metric], summaries, references)
            assert float(row[f"{metric}_f"]) == pytest.approx(np.mean(per_cluster), abs=1e-6)
            assert float(row[f"{metric}_f_low"]) <= float(row[f"{metric}_f"])
            assert float(row[f"{metric}_f"]) <= float(row[f"{metric}_f_high"])


def _mean_per_cluster(values: list[float], summaries: list[str], references: dict) -> list[float]:
    means, start = [], 0
    for record in map(json.loads, summaries):
        count = len(references[record["id"]])
        means.append(float(np.mean(values[start : start + count])))
        start += count
    return means


@pytest.mark.slow
def test_lsa_gives_the_same_summary_whatever_the_hash_seed(candidates) -> None:
    """sumy numbers LSA terms in set order, so each process could pick differently."""
    script = (
        "import json, sys\n"
        "from summarize.stages.select.baselines import SumySelector\n"
        "from summarize.data import Sentence\n"
        "texts = json.loads(sys.stdin.read())\n"
        "sentences = [Sentence(text=t, article=0, position=i) for i, t in enumerate(texts)]\n"
        "print(SumySelector('lsa').ranking(sentences))\n"
    )
    texts = json.dumps([s.text for s in candidates[0].document.sentences])
    rankings = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=texts,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "3", "7")
    }
    assert len(rankings) == 1
