"""The fact guard on hand-written rewrites of a made-up news story."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from summarize.stages.embed import SentenceTransformerEmbedder
from summarize.stages.rewrite.guard import FactGuard
from summarize.stages.split import punkt_tokenizer

ARTICLES = [
    "Flooding closed the Harbour Bridge in Millbrook on Tuesday after engineers found 14 cracks "
    "in its main span. Mayor Linda Okafor said the bridge would stay shut for at least three "
    "weeks. About 42,000 vehicles cross the bridge every day, according to the Department of "
    "Transport. The repairs are expected to cost $2.5 million, and traffic on side streets rose "
    "by 12 percent.",
    "Engineers discovered 14 cracks in the Harbour Bridge, forcing officials in Millbrook to "
    "close it on Tuesday. Commuters were told to take the ferry across the Wren River instead. "
    "Okafor said the city had asked the state for emergency funds in October. The bridge opened "
    "in 1962.",
]

Encoder = Callable[[list[str]], np.ndarray]


@pytest.fixture(scope="module", params=["torch", pytest.param("onnx-int8", marks=pytest.mark.slow)])
def encode(request, minilm: SentenceTransformerEmbedder) -> Encoder:
    """The real embedder (all-MiniLM-L6-v2, shipped by a package), full precision and as the
    default configuration runs it (8-bit): the guard's similarity floor must hold for both."""
    if request.param == "torch":
        return minilm.encode
    return SentenceTransformerEmbedder(backend=request.param).encode


@pytest.fixture(scope="module")
def guard(encode: Encoder) -> FactGuard:
    sentences = [s for a in ARTICLES for s in punkt_tokenizer("english").tokenize(a)]
    return FactGuard(ARTICLES, encode(sentences), encode)


@pytest.mark.parametrize(
    ("rewrite", "kind", "culprit"),
    [
        ("Engineers found 15 cracks in the Harbour Bridge in Millbrook.", "number", "15"),
        ("Engineers found fifteen cracks in the Harbour Bridge.", "number", "fifteen"),
        ("The repairs are expected to cost $3 million, Okafor said.", "number", "3 million"),
        ("The repairs will cost $2.5 billion.", "number", "2.5 billion"),
        ("Traffic on side streets rose by 20% after the bridge closed.", "number", "20"),
        ("Governor James Whitfield said the bridge would stay shut.", "name", "James Whitfield"),
        ("Mayor Linda Brown said the bridge would stay shut for weeks.", "name", "Linda Brown"),
        ("Governor Linda Okafor asked for funds.", "name", "Governor Linda Okafor"),
        ("The bridge, inspected by Siemens engineers, was closed.", "name", "Siemens"),
        ("Flooding closed the Harbour Bridge in Riverton on Tuesday.", "place", "Riverton"),
        ("Commuters took the ferry from Port Ellis across the Wren River.", "place", "Port Ellis"),
        ("Flooding closed the Harbour Bridge in Millbrook on Wednesday.", "date", "Wednesday"),
        ("The city asked the state for emergency funds in March.", "date", "March"),
        ("The Harbour Bridge opened in 1965.", "date", "1965"),
    ],
)
def test_an_added_fact_is_rejected_with_its_kind(
    guard: FactGuard, rewrite: str, kind: str, culprit: str
) -> None:
    reason = guard.check(rewrite)
    assert reason is not None
    assert reason.startswith(kind), reason
    assert culprit in reason


@pytest.mark.parametrize(
    "rewrite",
    [
        "Millbrook closed the Harbour Bridge on Tuesday after engineers discovered 14 cracks.",
        "Engineers found fourteen cracks in the bridge's main span.",
        "Mayor Okafor said the bridge will remain closed for at least three weeks.",
        "Roughly 42,000 vehicles use the bridge each day, the Department of Transport says.",
        "Repairs are expected to cost $2.5 million.",
        "Traffic on side streets rose 12%.",
        "In October, the city asked the state for emergency funds, Okafor said.",
        "Commuters were told to take the ferry across the Wren River.",
        "The bridge, which opened in 1962, was closed by flooding.",
    ],
)
def test_a_faithful_paraphrase_is_kept(guard: FactGuard, rewrite: str) -> None:
    assert guard.check(rewrite) is None


def test_a_sentence_far_from_every_source_is_rejected(guard: FactGuard) -> None:
    reason = guard.check("The weather was pleasant and sunny all weekend.")
    assert reason is not None and reason.startswith("similarity")


def test_without_embeddings_only_the_facts_are_checked() -> None:
    guard = FactGuard(ARTICLES)
    assert guard.check("The weather was pleasant and sunny all weekend.") is None
    assert guard.check("The weather was pleasant on Sunday.") is not None


def test_each_check_can_be_switched_off() -> None:
    lenient = FactGuard(ARTICLES, numbers=False, dates=False, names=False)
    for sentence in (
        "Engineers found 15 cracks in the Harbour Bridge.",
        "The bridge closed on Wednesday in 1965.",
        "Governor James Whitfield closed the bridge in Riverton.",
    ):
        assert lenient.check(sentence) is None
        assert FactGuard(ARTICLES).check(sentence) is not None


def test_sentence_openers_and_titles_are_not_names() -> None:
    guard = FactGuard(ARTICLES)
    assert guard.check("Officials said the Harbour Bridge would stay shut.") is None
    assert guard.check("Ms. Okafor said the bridge would stay shut.") is None
    assert guard.check("“It will stay shut,” Okafor said.") is None


def test_numbers_compare_by_value_in_digits_or_words() -> None:
    guard = FactGuard(["Twenty-five people, 1,200 cars and 3 million dollars; a 40% rise."])
    assert (
        guard.check("25 people, twelve hundred cars and $3,000,000, a forty percent rise.") is None
    )
    reason = guard.check("Two dozen people were there.")
    assert reason is not None and "two dozen" in reason


def test_spaced_initials_match_the_sources() -> None:
    guard = FactGuard(["Scientists at the U.S. Geological Survey and J.K. Rowling agreed."])
    assert guard.check("The U. S. Geological Survey agreed with J. K. Rowling.") is None
