"""Embedding backends and the on-disk embedding cache, on sentences from the bundled sample."""

from __future__ import annotations

import json

import numpy as np
import pytest

from summarize.embed import SentenceTransformerEmbedder
from summarize.runner import run

from .conftest import compose_config

SENTENCES = [
    "The Ostrey Street bridge collapsed into the river shortly after 6 a.m. on Tuesday.",
    "Early on Tuesday morning the Ostrey Street bridge fell into the river.",
    "Three people were taken to hospital with injuries that were not life-threatening.",
    "Hospital staff said three people were treated for injuries that did not threaten their lives.",
    "The city council had postponed repairs to the span twice since 2019, records show.",
    "Engineers will inspect the remaining piers before any traffic is allowed near the site.",
    "A ferry service will carry commuters across the river until further notice.",
]


def nearest_neighbours(vectors: np.ndarray) -> list[int]:
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -1.0)
    return similarities.argmax(axis=1).tolist()


@pytest.fixture(scope="module")
def onnx_int8() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(backend="onnx-int8")


def test_onnx_backend_gives_the_torch_vectors(minilm):
    onnx = SentenceTransformerEmbedder(backend="onnx")
    expected = minilm.encode(SENTENCES)
    vectors = onnx.encode(SENTENCES)
    assert vectors.shape == expected.shape == (len(SENTENCES), 384)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.array_equal(vectors, onnx.encode(SENTENCES))  # deterministic


def test_int8_backend_is_quantized_yet_keeps_the_paraphrases_together(minilm, onnx_int8):
    expected = minilm.encode(SENTENCES)
    vectors = onnx_int8.encode(SENTENCES)
    cosines = (vectors * expected).sum(axis=1)
    assert np.abs(vectors - expected).max() > 1e-4  # the 8-bit weights really are in use
    assert cosines.min() > 0.95
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert nearest_neighbours(vectors)[:4] == [1, 0, 3, 2] == nearest_neighbours(expected)[:4]


def test_int8_vector_does_not_depend_on_the_other_sentences(onnx_int8):
    # 8-bit activations are scaled per batch, hence batches of one and these exact equalities.
    assert onnx_int8.batch_size == 1
    alone = onnx_int8.encode(SENTENCES[2:3])
    among = onnx_int8.encode(list(reversed(SENTENCES)))
    assert np.array_equal(alone[0], among[len(SENTENCES) - 3])
    two_threads = SentenceTransformerEmbedder(backend="onnx-int8", threads=2)
    one_thread = SentenceTransformerEmbedder(backend="onnx-int8", threads=1)
    assert np.array_equal(two_threads.encode(SENTENCES), one_thread.encode(SENTENCES))


def test_cache_answers_with_exactly_the_vectors_it_stored(tmp_path):
    first = SentenceTransformerEmbedder(backend="onnx", cache_dir=str(tmp_path))
    computed = first.encode(SENTENCES)
    assert (first.cache_hits, first.cache_misses) == (0, 1)
    assert len(list((tmp_path / "onnx").glob("*.onnx"))) == 1  # the exported model is kept too

    second = SentenceTransformerEmbedder(backend="onnx", cache_dir=str(tmp_path))
    assert np.array_equal(second.encode(SENTENCES), computed)
    assert (second.cache_hits, second.cache_misses) == (1, 0)
    assert second._session is None  # answered without running the model

    second.encode(SENTENCES[:3])  # other texts: computed, not served
    assert (second.cache_hits, second.cache_misses) == (1, 1)
    torch_backend = SentenceTransformerEmbedder(backend="torch", cache_dir=str(tmp_path))
    torch_backend.encode(SENTENCES)  # another backend is another model
    assert (torch_backend.cache_hits, torch_backend.cache_misses) == (0, 1)


def test_damaged_cache_entry_is_computed_again(tmp_path):
    embedder = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    computed = embedder.encode(SENTENCES)
    (entry,) = (tmp_path / "embeddings").rglob("*.npy")
    entry.write_bytes(entry.read_bytes()[:100])  # as a crash or a full disk would leave it

    again = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    assert np.array_equal(again.encode(SENTENCES), computed)
    assert (again.cache_hits, again.cache_misses) == (0, 1)
    assert np.array_equal(np.load(entry), computed)  # and repaired
    assert not list(tmp_path.rglob("*.part"))


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match=r"onnx-int8.*'tensorrt'"):
        SentenceTransformerEmbedder(backend="tensorrt")


def test_cached_run_writes_the_same_summaries_and_says_it_used_the_cache(tmp_path):
    cache = tmp_path / "cache"
    outputs = []
    for name in ("fresh", "cached"):
        cfg = compose_config(tmp_path / name, f"cache_dir={cache}", "embedder.backend=onnx")
        report = run(cfg)
        assert report.failed == 0
        outputs.append(tmp_path / name)
    fresh, cached = (json.loads((o / "manifest.json").read_text()) for o in outputs)
    assert fresh["embedding_cache"]["hits"] == 0 and fresh["embedding_cache"]["misses"] >= 1
    assert cached["embedding_cache"]["misses"] == 0
    assert cached["embedding_cache"]["hits"] == fresh["embedding_cache"]["misses"]
    assert (
        fresh["embedding_cache"]["clusters_from_cache"],
        cached["embedding_cache"]["clusters_from_cache"],
    ) == (0, 1)
    summaries = [(o / "summaries.jsonl").read_bytes() for o in outputs]
    assert summaries[0] == summaries[1]
    assert b"Ostrey" in summaries[0]
