"""Every stage refuses a bad value when it is built, naming the key; a bug is never "bad input"."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarize.cli import UsageError, check_config
from summarize.params import ParameterError
from summarize.pipeline import Summarizer
from summarize.run.executors.local import LocalExecutor
from summarize.run.executors.processes import ProcessExecutor
from summarize.stages.copies import CopyDetector
from summarize.stages.dedup import RedundancyRemover, SupportRule
from summarize.stages.focus import QueryFocus
from summarize.stages.order.order import ChronologicalOrderer, PositionOrderer, SalienceOrderer
from summarize.stages.rewrite.guard import FactGuard
from summarize.stages.rewrite.llama_cpp_backend import LlamaCppRewriter
from summarize.stages.rewrite.mapreduce import GuardedRewriter
from summarize.stages.rewrite.transformers_backend import TransformersRewriter
from summarize.stages.select.baselines import GreedyOracleSelector, SumySelector
from summarize.stages.select.selectors import (
    CentroidSelector,
    ConceptCoverageSelector,
    LexRankSelector,
    MMRSelector,
    SubmodularSelector,
    TextRankSelector,
)
from summarize.stages.split import PunktSplitter
from summarize.stages.update import UpdateFilter

from .conftest import compose_config

PROMPTS = {
    "system_prompt": "Rewrite the sentences faithfully.",
    "user_prompt": "Sentences:\n{sentences}\nBriefing in {words} words:",
    "reduce_prompt": "Merge:\n{sentences}\nBriefing in {words} words:",
}

STAGES = [
    CentroidSelector,
    ConceptCoverageSelector,
    LexRankSelector,
    MMRSelector,
    SubmodularSelector,
    TextRankSelector,
    SumySelector,
    GreedyOracleSelector,
    RedundancyRemover,
    SupportRule,
    PositionOrderer,
    ChronologicalOrderer,
    SalienceOrderer,
    UpdateFilter,
    QueryFocus,
    PunktSplitter,
    CopyDetector,
    FactGuard,
    GuardedRewriter,
    TransformersRewriter,
    LlamaCppRewriter,
]


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: CentroidSelector(support_weight=-1.0), "selector.support_weight"),
        (lambda: ConceptCoverageSelector(min_df=0), "selector.min_df"),
        (lambda: ConceptCoverageSelector(min_df_share=1.5), "selector.min_df_share"),
        (lambda: ConceptCoverageSelector(cost_exponent=-0.1), "selector.cost_exponent"),
        (lambda: ConceptCoverageSelector(min_words=-1), "selector.min_words"),
        (lambda: ConceptCoverageSelector(position_weight=-0.1), "selector.position_weight"),
        (lambda: LexRankSelector(threshold=1.5), "selector.threshold"),
        (lambda: LexRankSelector(damping=1.0), "selector.damping"),
        (lambda: MMRSelector(lambda_=1.2), "selector.lambda_"),
        (lambda: SubmodularSelector(alpha=0.0), "selector.alpha"),
        (lambda: SubmodularSelector(cluster_share=2.0), "selector.cluster_share"),
        (lambda: SubmodularSelector(seed=0.5), "selector.seed"),
        (lambda: TextRankSelector(damping=0.0), "selector.damping"),
        (lambda: SumySelector("luhn"), "selector.method"),
        (lambda: GreedyOracleSelector(use_stemmer="yes"), "selector.use_stemmer"),
        (lambda: RedundancyRemover(threshold=0.0), "dedup.threshold"),
        (lambda: RedundancyRemover(support_min_shared=1.5), "dedup.support_min_shared"),
        (lambda: SupportRule(close_threshold=1.5), "support.close_threshold"),
        (lambda: PositionOrderer(readable="no"), "orderer.readable"),
        (lambda: SalienceOrderer(readable=1), "orderer.readable"),
        (lambda: UpdateFilter(similarity=0.0), "update.similarity"),
        (lambda: UpdateFilter(concepts="some"), "update.concepts"),
        (lambda: UpdateFilter(background="yes"), "update.background"),
        (lambda: QueryFocus(weight=-1.0), "focus.weight"),
        (lambda: QueryFocus(concept_boost=-0.5), "focus.concept_boost"),
        (lambda: PunktSplitter(language="klingon"), "splitter.language"),
        (lambda: CopyDetector(min_share=0.0), "copies.min_share"),
        (lambda: FactGuard([], min_similarity=1.5), "rewriter.guard.min_similarity"),
        (lambda: TransformersRewriter("m", **PROMPTS, max_new_tokens=0), "rewriter.max_new_tokens"),
        (lambda: TransformersRewriter("m", **PROMPTS, on_reject="keep"), "rewriter.on_reject"),
        (
            lambda: TransformersRewriter("m", **PROMPTS, guard={"min_similarity": 2}),
            "rewriter.guard.min_similarity",
        ),
        (lambda: TransformersRewriter("m", **{**PROMPTS, "user_prompt": "{x}"}), "rewriter.user"),
        (lambda: LlamaCppRewriter("m.gguf", **PROMPTS, context=0), "rewriter.context"),
        (lambda: LlamaCppRewriter("m.gguf", **PROMPTS, context=100), "rewriter.context"),
        (lambda: Summarizer(*[None] * 6, budget_words=0), "budget.words"),
        (lambda: ProcessExecutor(workers=0), "executor.workers"),
        (lambda: LocalExecutor(timeout_s=-1), "executor.timeout_s"),
    ],
)
def test_a_bad_value_is_refused_at_construction_naming_its_key(build, key):
    with pytest.raises(ParameterError) as refused:
        build()
    assert str(refused.value).startswith(key)


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.__name__)
def test_each_constraint_is_a_constructor_argument_and_the_defaults_pass(stage):
    arguments = set()
    for cls in stage.__mro__:
        if "__init__" in vars(cls):
            arguments |= set(inspect.signature(cls.__init__).parameters)
    assert set(stage.constraints) <= arguments
    if stage is FactGuard:
        stage([])
    elif issubclass(stage, GuardedRewriter):
        if not inspect.isabstract(stage):
            stage("model", **PROMPTS)
    else:
        stage()


class BuggySelector:
    """A selector whose constructor has a bug of a type a bad value could also raise."""

    def __init__(self, **settings) -> None:
        raise ValueError("a bug, not the user's mistake")


class TypoSelector:
    def __init__(self, **settings) -> None:
        settings["min_df"] + "words"  # TypeError inside the stage: a bug


def _innermost(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


@pytest.mark.parametrize(
    ("name", "bug"), [("BuggySelector", ValueError), ("TypoSelector", TypeError)]
)
def test_a_bug_in_a_stage_is_not_reported_as_a_usage_error(name, bug, tmp_path):
    cfg = compose_config(tmp_path, f"selector._target_={__name__}.{name}")
    with pytest.raises(Exception) as raised:  # whatever Hydra wraps it in
        check_config(cfg)
    assert not isinstance(raised.value, UsageError)
    assert type(_innermost(raised.value)) is bug


@pytest.mark.slow
def test_the_cli_shows_a_bug_with_its_traceback(tmp_path):
    root = Path(__file__).parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "summarize", "embedder=tfidf",
         "selector._target_=tests.test_validation.BuggySelector", f"output.dir={tmp_path / 'out'}"],
        capture_output=True, text=True, cwd=root, timeout=300,
        env={**os.environ, "HYDRA_FULL_ERROR": "1"},
    )  # fmt: skip
    assert result.returncode not in (0, 2)
    assert "Traceback" in result.stderr and "a bug, not the user's mistake" in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+selector.min_dff=3", "unexpected keyword argument 'min_dff'"),
        ("selector._target_=summarize.stages.select.selectors.NoSuchSelector", "NoSuchSelector"),
        ("selector.min_df=0", "selector.min_df must be a whole number >= 1, got 0"),
    ],
)
def test_configuration_mistakes_are_usage_errors(override, message, tmp_path):
    with pytest.raises(UsageError, match=message):
        check_config(compose_config(tmp_path, override))


@pytest.mark.slow
def test_a_bad_override_exits_2_with_one_line_naming_the_key(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "summarize", "embedder=tfidf", "selector.min_df=0",
         f"output.dir={out}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "summarize: selector: selector.min_df must be a whole number >= 1, got 0"
    ]
    assert not out.exists() or not any(out.iterdir())
