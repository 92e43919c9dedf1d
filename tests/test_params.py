"""Known answers for the one place that validates stage parameters."""

import doctest
import re
from typing import ClassVar

import pytest

import summarize.params as params
from summarize.params import Flag, Interval, OneOf, ParameterError, check_params
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.embed import SentenceTransformerEmbedder, TfidfEmbedder
from summarize.stages.split import PunktSplitter


@pytest.mark.parametrize(
    ("rule", "value", "allowed"),
    [
        (Interval(0, 1, closed="right"), 0, False),
        (Interval(0, 1, closed="right"), 1, True),
        (Interval(0, 1, closed="left"), 1, False),
        (Interval(0, 1), 0.0, True),
        (Interval(1, integer=True), 1, True),
        (Interval(1, integer=True), 0.5, False),
        (Interval(1, integer=True), True, False),
        (Interval(0), float("nan"), False),
        (Interval(0), "3", False),
        (Interval(0, allow_none=True), None, True),
        (Interval(0), None, False),
        (OneOf(("a", "b")), "b", True),
        (OneOf(("a", "b")), "c", False),
        (Flag(), True, True),
        (Flag(), 1, False),
    ],
)
def test_each_constraint_accepts_exactly_its_values(rule, value, allowed):
    assert rule.allows(value) is allowed


def test_the_message_names_the_config_key_and_what_to_pass():
    class Stage:
        constraints: ClassVar = {
            "min_words": Interval(0, integer=True),
            "mode": OneOf(("auto", "off")),
        }

        def __init__(self, min_words=8, mode="auto"):
            self.min_words = min_words
            self.mode = mode
            check_params(self, "selector")

    Stage()
    with pytest.raises(
        ParameterError, match=r"^selector\.min_words must be a whole number >= 0, got -1$"
    ):
        Stage(min_words=-1)
    with pytest.raises(
        ParameterError, match=r"selector\.mode must be one of 'auto', 'off', got 'on'"
    ):
        Stage(mode="on")


def test_the_module_example_runs():
    failures, _ = doctest.testmod(params, optionflags=doctest.IGNORE_EXCEPTION_DETAIL)
    assert failures == 0


@pytest.mark.parametrize(
    ("stage", "value", "message"),
    [
        (
            BoilerplateCleaner,
            {"max_chars": 0},
            "cleaner.max_chars must be a whole number > 0 or null",
        ),
        (BoilerplateCleaner, {"min_paragraph_words": -1}, "cleaner.min_paragraph_words must be"),
        (BoilerplateCleaner, {"drop_headline_lines": "no"}, "cleaner.drop_headline_lines must be"),
        (PunktSplitter, {"min_words": -1}, "splitter.min_words must be a whole number >= 0"),
        (PunktSplitter, {"max_words": 0}, "splitter.max_words must be a whole number >= 1"),
        (PunktSplitter, {"max_sentences_per_article": 2.5}, "splitter.max_sentences_per_article"),
        (SentenceTransformerEmbedder, {"batch_size": 0}, "embedder.batch_size must be a whole"),
        (SentenceTransformerEmbedder, {"threads": -2}, "embedder.threads must be a whole number"),
        (SentenceTransformerEmbedder, {"backend": "gpu"}, "embedder.backend must be one of"),
        (
            SentenceTransformerEmbedder,
            {"cache_max_mb": 0},
            "embedder.cache_max_mb must be a number > 0",
        ),
        (TfidfEmbedder, {"ngram_max": 0}, "embedder.ngram_max must be a whole number >= 1"),
        (TfidfEmbedder, {"max_features": 0}, "embedder.max_features must be a whole number >= 1"),
        (TfidfEmbedder, {"sublinear_tf": "yes"}, "embedder.sublinear_tf must be true or false"),
    ],
)
def test_each_stage_refuses_a_bad_value_at_construction_naming_its_key(stage, value, message):
    stage()  # the defaults pass
    with pytest.raises(ParameterError, match="^" + re.escape(message)):
        stage(**value)
