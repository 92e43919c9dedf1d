"""The static embedder: distilled once into the cache, checked, rebuilt when damaged, and the
repeated sentences of a cluster embedded once.

The teacher is a tiny BERT written here (random weights, a vocabulary of the test's words), so
distilling it takes a moment; the packaged MiniLM is distilled the same way.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from summarize.params import ParameterError
from summarize.run.driver import SAMPLE_DIR, run
from summarize.stages.embed.cache import EntryStore
from summarize.stages.embed.static import StaticEmbedder

from ..conftest import compose_config

SENTENCES = [
    "The Ostrey Street bridge collapsed into the river early on Tuesday.",
    "Three people were taken to hospital.",
    "The council had postponed repairs twice since 2019.",
    "Engineers will inspect the remaining piers this week.",
    "A ferry will carry commuters across the river until further notice.",
]


@pytest.fixture(scope="session")
def teacher(tmp_path_factory) -> Path:
    """A sentence encoder folder as transformers saves one: a one-layer BERT over the words of
    the sample cluster and the sentences above, with subword pieces for anything else."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    text = " ".join(SENTENCES) + " ".join(p.read_text() for p in SAMPLE_DIR.rglob("*.*"))
    words = sorted(set(re.findall(r"[a-z]+", text.lower())))
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    characters = "abcdefghijklmnopqrstuvwxyz0123456789"
    pieces = [*characters, *(f"##{c}" for c in characters), *".,;:'\"()-"]
    vocab = {token: i for i, token in enumerate(dict.fromkeys([*specials, *words, *pieces]))}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    folder = tmp_path_factory.mktemp("teacher")
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    ).save_pretrained(folder)  # fmt: skip
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )  # fmt: skip
    BertModel(config).save_pretrained(folder)
    return folder


def embedder(teacher: Path, cache: Path) -> StaticEmbedder:
    return StaticEmbedder(model=str(teacher), pca_dims=16, cache_dir=str(cache))


def cached_models(cache: Path) -> list[Path]:
    return [p for p in (cache / "models").rglob("*") if p.is_file()]


def test_distilled_once_then_read_from_the_cache(teacher, tmp_path, monkeypatch):
    first = embedder(teacher, tmp_path)
    vectors = first.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len(cached_models(tmp_path)) == 1

    def no_distilling(self):
        raise AssertionError("distilled again although the cache holds the model")

    monkeypatch.setattr(StaticEmbedder, "_distil", no_distilling)
    second = embedder(teacher, tmp_path)
    assert np.array_equal(second.encode(SENTENCES), vectors)
    assert second.cache_repaired == 0


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not a table"])
def test_a_damaged_model_is_detected_distilled_again_and_rewritten(
    teacher, tmp_path, caplog, damage
):
    expected = embedder(teacher, tmp_path).encode(SENTENCES)
    (path,) = cached_models(tmp_path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    else:  # a well-formed entry (checksum and all) whose payload is not a distilled table
        EntryStore(tmp_path / "models").put(path.name, b"PK\x03\x04 not an archive")

    again = embedder(teacher, tmp_path)
    with caplog.at_level(logging.WARNING, logger="summarize"):
        vectors = again.encode(SENTENCES)
    assert np.array_equal(vectors, expected)
    assert again.cache_repaired == 1
    assert any("distilling again" in r.message or "damaged" in r.message for r in caplog.records)
    assert EntryStore(tmp_path / "models").get(path.name) is not None  # rewritten whole
    assert embedder(teacher, tmp_path).encode(SENTENCES[:1]).shape == (1, 16)


def test_a_repeated_sentence_is_embedded_once_with_the_vector_it_has_alone(teacher, tmp_path):
    model = embedder(teacher, tmp_path)
    computed: list[list[str]] = []
    compute = model._compute
    model._compute = lambda texts: computed.append(list(texts)) or compute(texts)
    texts = [SENTENCES[0], SENTENCES[1], SENTENCES[0], SENTENCES[2], SENTENCES[1]]
    together = model.encode(texts)
    assert computed == [SENTENCES[:3]]
    for row, text in enumerate(texts):
        assert np.array_equal(together[row], model.encode([text])[0])


def test_the_embedder_pickles_without_its_table(teacher, tmp_path):
    model = embedder(teacher, tmp_path)
    vectors = model.encode(SENTENCES)
    data = pickle.dumps(model)
    assert len(data) < 10_000  # the table stays in the cache, not in every task sent out
    assert np.array_equal(pickle.loads(data).encode(SENTENCES), vectors)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pca_dims": 1}, "pca_dims"),
        ({"sif_coefficient": 1.0}, "sif_coefficient"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"levels": {"duplicates": 0.9}}, "unknown level 'duplicates'"),
        ({"levels": {"duplicate": 1.5}}, "levels.duplicate"),
    ],
)
def test_bad_parameters_are_refused_when_built(tmp_path, options, message):
    with pytest.raises(ParameterError, match=message):
        StaticEmbedder(cache_dir=str(tmp_path), **options)


def test_a_folder_that_is_no_model_is_refused_with_its_name(tmp_path):
    model = StaticEmbedder(model=str(tmp_path / "nowhere"), cache_dir=str(tmp_path))
    with pytest.raises(RuntimeError, match="nowhere"):
        model.encode(SENTENCES)


def test_its_levels_become_the_dedup_and_update_levels(tmp_path):
    cfg = compose_config(tmp_path, "embedder=static")
    assert cfg.dedup.threshold == cfg.embedder.levels.duplicate
    assert cfg.dedup.support_threshold == cfg.embedder.levels.support
    assert cfg.dedup.support_close_threshold == cfg.embedder.levels.close_support
    assert cfg["update"].similarity == cfg.embedder.levels.novelty
    minilm = compose_config(tmp_path, "dedup.threshold=0.9")
    assert (minilm.dedup.threshold, minilm.dedup.support_threshold) == (0.9, 0.6)
    assert minilm["update"].similarity == 0.7


def test_two_runs_write_byte_identical_summaries(teacher, tmp_path):
    outputs = []
    for name in ("first", "second"):
        cfg = compose_config(
            tmp_path / name,
            f"input.path={SAMPLE_DIR}",
            "embedder=static",
            f"embedder.model={teacher}",
            "embedder.pca_dims=16",
            f"cache_dir={tmp_path / 'cache'}",
        )
        assert run(cfg).failed == 0
        outputs.append((tmp_path / name / "summaries.jsonl").read_bytes())
    assert outputs[0] == outputs[1]
    record = json.loads(outputs[0])
    assert record["sentences"] and record["words"] <= 250
