"""The rewriting stage: map-reduce, the guard at work, fallbacks, and real (tiny) models.

The transformers tests build their own models with random weights, so they need no download;
what such a model writes is gibberish, which is exactly what the guard must catch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from summarize.data import (
    Article,
    Briefing,
    BriefingSentence,
    Cluster,
    Document,
    Sentence,
    count_words,
)
from summarize.stages.rewrite import (
    GuardedRewriter,
    LlamaCppRewriter,
    NoRewriter,
    TransformersRewriter,
)
from summarize.stages.split import punkt_tokenizer

CONF = Path(__file__).resolve().parents[1] / "conf" / "rewriter"

ARTICLES = [
    "Flooding closed the Harbour Bridge in Millbrook on Tuesday after engineers found 14 cracks "
    "in its main span. Mayor Linda Okafor said the bridge would stay shut for at least three "
    "weeks. About 42,000 vehicles cross the bridge every day, according to the Department of "
    "Transport. The repairs are expected to cost $2.5 million.",
    "Engineers discovered 14 cracks in the Harbour Bridge, forcing officials in Millbrook to "
    "close it on Tuesday. Commuters were told to take the ferry across the Wren River instead. "
    "Okafor said the city had asked the state for emergency funds. Traffic on Route 9 backed up "
    "for two miles as drivers looked for another way across the river.",
]
SIMPLE_PROMPTS = {
    "system_prompt": "Rewrite the sentences faithfully.",
    "user_prompt": "Sentences:\n{sentences}\nBriefing in {words} words:",
    "reduce_prompt": "Merge:\n{sentences}\nBriefing in {words} words:",
}


def bag_encode(texts: list[str]) -> np.ndarray:
    """A cheap stand-in embedder: hashed bag of words, unit length."""
    vectors = np.zeros((len(texts), 512), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 512] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def make_document() -> Document:
    tokenizer = punkt_tokenizer("english")
    articles = tuple(Article(i, text, f"article{i}.txt") for i, text in enumerate(ARTICLES))
    sentences = [
        Sentence(text, article.index, position)
        for article in articles
        for position, text in enumerate(tokenizer.tokenize(article.text))
    ]
    cluster = Cluster("bridge", articles, "test")
    return Document(cluster, sentences, bag_encode([s.text for s in sentences]))


def make_briefing(document: Document, picks: list[int]) -> Briefing:
    chosen = [document.sentences[i] for i in picks]
    return Briefing(
        cluster_id=document.cluster.id,
        title="Harbour Bridge closed",
        sentences=[
            BriefingSentence(s.text, s.article, s.position, also_in=(1 - s.article,))
            for s in chosen
        ],
        warnings=["an earlier stage's warning"],
        details={"selector": "test"},
    )


@pytest.fixture()
def document() -> Document:
    return make_document()


@pytest.fixture()
def briefing(document: Document) -> Briefing:
    # Articles 0 and 1: the lead, the mayor, the cost, the ferry, the funds.
    return make_briefing(document, [0, 1, 3, 5, 6])


class _Script:
    """A model that replies from a script and counts prompt tokens as words."""

    max_prompt_tokens = None

    def __init__(self, replies: list[Any] | Callable[[str], str]) -> None:
        self.replies = replies if callable(replies) else list(replies)
        self.prompts: list[str] = []

    def count(self, system: str, user: str) -> int:
        return count_words(system) + count_words(user)

    def generate(self, system: str, user: str) -> str:
        self.prompts.append(user)
        reply = self.replies(user) if callable(self.replies) else self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


class Scripted(GuardedRewriter):
    """The rewriter with a scripted model; the bag-of-words embedder needs a lower threshold."""

    def __init__(self, replies: list[Any] | Callable[[str], str], **settings: Any) -> None:
        settings = {**SIMPLE_PROMPTS, "guard": {"min_similarity": 0.3}, **settings}
        super().__init__("scripted-model", **settings)
        self.script = _Script(replies)
        self.loads = 0

    def _load(self) -> _Script:
        self.loads += 1
        return self.script


def rewrite(rewriter: Any, briefing: Briefing, document: Document, budget: int = 250) -> Briefing:
    result = rewriter.rewrite(briefing, document, bag_encode, budget)
    assert result is not briefing
    if result.details.get("rewrite", {}).get("used"):
        assert result.words <= budget
    else:  # the extractive briefing, as it came (it holds the budget already)
        assert result.sentences == briefing.sentences
    json.dumps(result.details)
    return result


def test_none_returns_the_extractive_briefing(briefing: Briefing, document: Document) -> None:
    result = rewrite(NoRewriter(), briefing, document)
    assert result.sentences == briefing.sentences
    assert result.details == briefing.details and result.warnings == briefing.warnings


@pytest.mark.parametrize("name", ["none", "transformers", "llama_cpp"])
def test_configs_instantiate_without_loading_a_model(name: str) -> None:
    config = OmegaConf.load(CONF / f"{name}.yaml")
    if name != "none":
        assert OmegaConf.is_missing(config, "model")
        config.model = "/nonexistent/model"
    rewriter = instantiate(config)
    if name != "none":
        assert rewriter._loaded is None
        guard = rewriter.guard(ARTICLES)
        assert guard.min_similarity == config.guard.min_similarity


def test_a_faithful_rewrite_is_used_with_provenance(briefing: Briefing, document: Document) -> None:
    reply = (
        "Here is the briefing:\n"
        "Flooding closed Millbrook's Harbour Bridge on Tuesday after engineers found 14 cracks "
        "in its main span. Mayor Linda Okafor said the bridge would stay shut for at least three "
        "weeks, and the repairs are expected to cost $2.5 million."
    )
    result = rewrite(Scripted([reply]), briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is True and info["rejected"] == 0 and info["chunks"] == 1
    assert result.details["selector"] == "test"
    assert [s.rewritten for s in result.sentences] == [True, True]
    assert not result.sentences[0].text.startswith("Here is")
    first, second = result.sentences
    assert (first.article, first.position, first.also_in) == (0, 0, (1,))
    assert (second.article, second.position) == (0, 1)
    assert briefing.sentences[0].rewritten is False  # the input is left alone


def test_a_copied_sentence_stays_extractive(briefing: Briefing, document: Document) -> None:
    copy = briefing.sentences[1].text
    rewritten = "Okafor said the city had asked the state for emergency funds and a ferry."
    result = rewrite(Scripted([f"{copy} {rewritten}"]), briefing, document)
    assert result.sentences[0] == briefing.sentences[1]
    assert result.sentences[1].rewritten and result.sentences[1].text == rewritten
    assert result.details["rewrite"]["copied"] == 1


def test_copies_alone_are_no_rewrite(briefing: Briefing, document: Document) -> None:
    reply = " ".join(s.text for s in briefing.sentences[:2])
    result = rewrite(Scripted([reply]), briefing, document)
    assert result.details["rewrite"]["used"] is False
    assert result.details["rewrite"]["reason"].startswith("the model copied")


def test_headings_and_list_marks_are_not_sentences(briefing: Briefing, document: Document) -> None:
    reply = (
        "**Briefing:**\n\n"
        "- Engineers found 14 cracks in the bridge, and Millbrook closed it on Tuesday.\n"
        "2. Okafor said the city asked the state for emergency funds and took this step:"
    )
    result = rewrite(Scripted([reply]), briefing, document)
    assert [s.text for s in result.sentences][:1] == [
        "Engineers found 14 cracks in the bridge, and Millbrook closed it on Tuesday."
    ]
    reasons = result.details["rewrite"]["reasons"]
    assert [r["reason"].split()[0] for r in reasons] == ["incomplete"]


@pytest.mark.parametrize(
    ("on_reject", "kept"),
    [("replace", 3), ("drop", 2)],
)
def test_an_invented_fact_is_replaced_or_dropped(
    briefing: Briefing, document: Document, on_reject: str, kept: int
) -> None:
    reply = (
        "Flooding closed Millbrook's Harbour Bridge on Tuesday after engineers found 14 cracks. "
        "Commuters were told to take the ferry from Port Ellis across the Wren River instead. "
        "Okafor said the city had asked the state for emergency funds."
    )
    result = rewrite(Scripted([reply], on_reject=on_reject), briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is True and info["rejected"] == 1
    assert info["reasons"][0]["reason"].startswith("place")
    assert "Port Ellis" in info["reasons"][0]["sentence"]
    assert len(result.sentences) == kept
    if on_reject == "replace":
        ferry = result.sentences[1]
        assert ferry == briefing.sentences[3] and not ferry.rewritten
    assert "Port Ellis" not in result.text


def test_everything_rejected_falls_back_to_the_extractive_briefing(
    briefing: Briefing, document: Document
) -> None:
    reply = "Governor James Whitfield closed the bridge on Friday. Repairs will cost $9 million."
    result = rewrite(Scripted([reply]), briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is False and info["rejected"] == 2
    assert info["reason"] == "the guard rejected every rewritten sentence"
    assert result.sentences == briefing.sentences
    assert result.warnings == briefing.warnings  # a guarded fallback is no failure


def test_duplicates_and_unfinished_sentences_are_rejected(
    briefing: Briefing, document: Document
) -> None:
    sentence = "Okafor said the city asked the state for emergency funds."
    quoted = 'Okafor said the bridge "would stay shut for weeks. "'
    reply = f"{sentence} {sentence} {quoted} Okafor agreed. Engineers found 14 cracks in the"
    result = rewrite(Scripted([reply], on_reject="drop"), briefing, document)
    reasons = [r["reason"].split()[0] for r in result.details["rewrite"]["reasons"]]
    assert reasons == ["duplicate", "fragment", "incomplete"]
    assert [s.text for s in result.sentences] == [sentence, quoted.replace('. "', '."')]


def test_the_budget_holds_after_rewriting(briefing: Briefing, document: Document) -> None:
    reply = (
        "Flooding closed the Harbour Bridge in Millbrook on Tuesday. "
        "Engineers found 14 cracks in its main span. "
        "Okafor said the city had asked the state for emergency funds."
    )
    result = rewrite(Scripted([reply]), briefing, document, budget=18)
    assert [s.text for s in result.sentences] == [
        "Flooding closed the Harbour Bridge in Millbrook on Tuesday.",
        "Engineers found 14 cracks in its main span.",
    ]
    assert result.details["rewrite"]["trimmed_for_budget"] == 1


def test_a_long_selection_is_rewritten_in_chunks_and_merged(document: Document) -> None:
    briefing = make_briefing(document, list(range(len(document.sentences))))
    partials = [f"Partial {i} about the Harbour Bridge in Millbrook." for i in range(10)]
    merged = "Engineers found 14 cracks in the Harbour Bridge in Millbrook."
    rewriter = Scripted(
        lambda user: merged if user.startswith("Merge:") else partials.pop(0),
        max_input_tokens=60,
    )
    result = rewrite(rewriter, briefing, document)
    info = result.details["rewrite"]
    chunks = info["chunks"]
    assert chunks > 1 and info["reduced"] is True
    prompts = rewriter.script.prompts
    assert len(prompts) == chunks + 1
    assert prompts[-1].startswith("Merge:") and "Partial 0 about" in prompts[-1]
    # Every selected sentence went into exactly one chunk, nothing was cut.
    for sentence in briefing.sentences:
        assert sum(sentence.text in p for p in prompts[:-1]) == 1
    assert all(count_words(SIMPLE_PROMPTS["system_prompt"]) + count_words(p) <= 60 for p in prompts)
    assert [s.text for s in result.sentences] == [merged]


def test_partials_too_long_to_merge_are_concatenated(document: Document) -> None:
    briefing = make_briefing(document, list(range(len(document.sentences))))
    partial = "Engineers found 14 cracks in the Harbour Bridge in Millbrook, officials said. "
    rewriter = Scripted([partial * (i + 1) for i in range(10)], max_input_tokens=60)
    result = rewrite(rewriter, briefing, document)
    info = result.details["rewrite"]
    assert info["chunks"] > 1 and info["reduced"] is False
    assert len(rewriter.script.prompts) == info["chunks"]
    assert info["used"] is True and info["rejected"] > 0  # the repeats


def test_a_sentence_too_long_for_the_model_is_not_truncated(
    briefing: Briefing, document: Document
) -> None:
    result = rewrite(Scripted([], max_input_tokens=12), briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is False and "does not fit" in info["error"]
    assert result.sentences == briefing.sentences
    assert result.warnings[-1] == info["error"]


def test_a_model_that_fails_to_load_is_not_retried(briefing: Briefing, document: Document) -> None:
    class Broken(Scripted):
        def _load(self) -> _Script:
            self.loads += 1
            raise OSError("weights are corrupt")

    rewriter = Broken([])
    first = rewrite(rewriter, briefing, document)
    second = rewrite(rewriter, briefing, document)
    assert rewriter.loads == 1
    for result in (first, second):
        error = result.details["rewrite"]["error"]
        assert "scripted-model" in error and "weights are corrupt" in error
        assert result.sentences == briefing.sentences and result.warnings[-1] == error


def test_a_generation_error_keeps_the_extractive_briefing(
    briefing: Briefing, document: Document
) -> None:
    result = rewrite(Scripted([RuntimeError("out of memory")]), briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is False
    assert "scripted-model" in info["error"] and "out of memory" in info["error"]
    assert result.sentences == briefing.sentences


def test_a_bad_prompt_template_fails_at_configuration_time() -> None:
    with pytest.raises(ValueError, match="user_prompt"):
        Scripted([], user_prompt="Rewrite {sentence} please")
    with pytest.raises(ValueError, match="on_reject"):
        Scripted([], on_reject="ignore")


# --- transformers, with tiny random models built here -------------------------------------------


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A T5 and a Llama-style model with random weights and a word-level tokenizer."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    # Split on spaces only, so that words like "Tuesday." end the gibberish's sentences.
    words.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    corpus = [*ARTICLES, *SIMPLE_PROMPTS.values(), "system user assistant :"]
    specials = ["<pad>", "</s>", "<unk>", "<s>"]
    words.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=specials))
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=words,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        bos_token="<s>",
    )
    root = tmp_path_factory.mktemp("tiny-models")
    torch.manual_seed(0)
    t5 = transformers.T5ForConditionalGeneration(
        transformers.T5Config(
            vocab_size=len(tokenizer),
            d_model=32,
            d_ff=64,
            d_kv=16,
            num_layers=2,
            num_heads=2,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )
    # Random weights may end the answer at once; make them say something for the guard to read.
    t5.generation_config.suppress_tokens = [0, 2, 3]
    t5.generation_config.min_new_tokens = 8
    t5.generation_config.no_repeat_ngram_size = 1
    t5.save_pretrained(root / "t5")
    tokenizer.save_pretrained(root / "t5")

    llama = transformers.LlamaForCausalLM(
        transformers.LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=256,
            pad_token_id=0,
            eos_token_id=1,
            bos_token_id=3,
        )
    )
    llama.generation_config.suppress_tokens = [0, 2, 3]
    llama.generation_config.min_new_tokens = 8
    llama.generation_config.no_repeat_ngram_size = 1
    llama.save_pretrained(root / "llama")
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant :{% endif %}"
    )
    tokenizer.save_pretrained(root / "llama")

    broken = root / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not json")
    return {"t5": root / "t5", "llama": root / "llama", "broken": broken}


def transformers_rewriter(model: Path | str, **settings: Any) -> TransformersRewriter:
    return TransformersRewriter(
        str(model),
        **{
            **SIMPLE_PROMPTS,
            "max_new_tokens": 16,
            "max_input_tokens": 64,
            "guard": {"min_similarity": 0.99},
            **settings,
        },
    )


def comparable(result: Briefing) -> tuple:
    info = {k: v for k, v in result.details["rewrite"].items() if k != "seconds"}
    return result.sentences, info


@pytest.mark.parametrize("name", ["t5", "llama"])
def test_a_tiny_model_runs_end_to_end_and_the_guard_keeps_its_gibberish_out(
    tiny_models: dict[str, Path], briefing: Briefing, document: Document, name: str
) -> None:
    rewriter = transformers_rewriter(tiny_models[name])
    result = rewrite(rewriter, briefing, document, budget=60)
    info = result.details["rewrite"]
    assert "error" not in info, info
    assert info["chunks"] > 1  # 64 prompt tokens hold about two sentences
    assert info["generated"] > 0 and info["rejected"] == info["generated"]
    assert info["used"] is False and result.sentences == briefing.sentences
    model = rewriter._loaded
    assert model is not None and model.encoder_decoder == (name == "t5")
    if name == "llama":  # the chat template frames the prompt
        text, _ = model._prompt("S", "U")
        assert text == "system : S\nuser : U\nassistant :"
    # Same seed, same output, from a fresh instance too.
    again = rewrite(transformers_rewriter(tiny_models[name]), briefing, document, budget=60)
    assert comparable(again) == comparable(result)


def test_sampling_is_deterministic_with_a_seed(
    tiny_models: dict[str, Path], briefing: Briefing, document: Document
) -> None:
    outputs = []
    for _ in range(2):
        rewriter = transformers_rewriter(tiny_models["llama"], temperature=1.0, seed=7)
        rewriter.rewrite(briefing, document, bag_encode, 60)
        outputs.append(rewriter._loaded.generate("S", "Engineers found 14 cracks"))
    assert outputs[0] == outputs[1] and outputs[0]


@pytest.mark.parametrize("on_reject", ["replace", "drop"])
def test_a_rejection_is_replaced_by_its_extractive_sentence_or_dropped(
    tiny_models: dict[str, Path], briefing: Briefing, document: Document, on_reject: str
) -> None:
    # Fact checks off and one-word sentences allowed, so that some of the tiny model's words
    # pass; the rest of its reply stops mid-sentence and is rejected.
    guard = {"min_similarity": 0.0, "numbers": False, "dates": False, "names": False}
    rewriter = transformers_rewriter(
        tiny_models["t5"], guard=guard, min_sentence_words=1, on_reject=on_reject
    )
    result = rewrite(rewriter, briefing, document, budget=60)
    info = result.details["rewrite"]
    assert info["used"] is True and info["kept"] >= 1 and info["rejected"] >= 1, info
    assert any(r["reason"].startswith("incomplete") for r in info["reasons"])
    extractive = [s for s in result.sentences if not s.rewritten]
    assert len(extractive) == info["replaced"] + info["copied"]
    assert all(s in briefing.sentences for s in extractive)
    assert len(set(extractive)) == len(extractive)  # an origin comes back once at most
    if on_reject == "replace":
        assert info["replaced"] >= 1
    else:
        assert info["replaced"] == 0 and info["copied"] == 0 and not extractive


@pytest.mark.parametrize("name", ["missing", "broken"])
def test_a_missing_or_broken_model_gives_a_clear_error(
    tiny_models: dict[str, Path], briefing: Briefing, document: Document, name: str
) -> None:
    path = tiny_models["broken"] if name == "broken" else tiny_models["t5"].parent / "nowhere"
    rewriter = transformers_rewriter(path)
    result = rewrite(rewriter, briefing, document)
    error = result.details["rewrite"]["error"]
    assert str(path) in error and error.startswith("rewriter: cannot load model")
    assert result.sentences == briefing.sentences and result.warnings[-1] == error
    assert rewrite(rewriter, briefing, document).details["rewrite"]["error"] == error


# --- llama.cpp -----------------------------------------------------------------------------------


def test_a_missing_gguf_file_gives_a_clear_error(briefing: Briefing, document: Document) -> None:
    rewriter = LlamaCppRewriter("/nonexistent/model.gguf", **SIMPLE_PROMPTS)
    result = rewrite(rewriter, briefing, document)
    error = result.details["rewrite"]["error"]
    assert "/nonexistent/model.gguf" in error and result.sentences == briefing.sentences


@pytest.mark.llm
def test_llama_cpp_end_to_end(briefing: Briefing, document: Document) -> None:
    """Opt-in: SUMMARIZE_TEST_GGUF=path/to/model.gguf (with OMP_WAIT_POLICY=PASSIVE, or
    llama.cpp crawls once torch has run in the same process)."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (summarize[llm])")
    gguf = os.environ.get("SUMMARIZE_TEST_GGUF")
    if not gguf or not Path(gguf).is_file():
        pytest.skip("set SUMMARIZE_TEST_GGUF to a GGUF file to test the llama.cpp path")
    config = OmegaConf.load(CONF / "llama_cpp.yaml")
    config.model = gguf
    config.context = 1024
    config.max_new_tokens = 128
    config.threads = 2
    first = rewrite(instantiate(config), briefing, document, budget=80)
    info = first.details["rewrite"]
    assert "error" not in info, info
    assert info["generated"] > 0 and info["chunks"] == 1
    second = rewrite(instantiate(config), briefing, document, budget=80)
    assert comparable(second) == comparable(first)
