"""Embedding backends and the on-disk embedding cache, on sentences from the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from summarize.params import ParameterError
from summarize.run.driver import run
from summarize.stages.embed import SentenceTransformerEmbedder

from ..conftest import compose_config

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
def torch_minilm() -> SentenceTransformerEmbedder:
    """MiniLM unquantized on PyTorch: the reference the ONNX backends are measured against."""
    return SentenceTransformerEmbedder(backend="torch")


def test_the_class_defaults_are_what_users_get(minilm):
    """The ``minilm`` fixture is the embedder ``conf/embedder/minilm`` builds, which is the
    class's defaults, so tests on it test the backend users run; only where the exported
    model is kept differs, and the fixture caches no vector."""
    from hydra.utils import instantiate

    configured = instantiate(compose_config(Path("unused"), "cache_dir=null").embedder)
    defaults = SentenceTransformerEmbedder()
    assert vars(configured).keys() == vars(minilm).keys() == vars(defaults).keys()
    for name in ("model", "batch_size", "device", "threads", "backend", "cache_max_mb"):
        assert getattr(configured, name) == getattr(minilm, name) == getattr(defaults, name)
    assert configured.cache_dir is None and defaults.cache_dir is None
    assert minilm.backend == "onnx-int8" and minilm.effective_batch_size == 1
    assert minilm.cache_dir and not minilm.cache_vectors and minilm.cache_hits == 0


@pytest.mark.slow
def test_onnx_backend_gives_the_torch_vectors(torch_minilm):
    onnx = SentenceTransformerEmbedder(backend="onnx")
    expected = torch_minilm.encode(SENTENCES)
    vectors = onnx.encode(SENTENCES)
    assert vectors.shape == expected.shape == (len(SENTENCES), 384)
    assert np.abs(vectors - expected).max() < 1e-5
    assert np.array_equal(vectors, onnx.encode(SENTENCES))  # deterministic


@pytest.mark.slow
def test_int8_backend_is_quantized_yet_keeps_the_paraphrases_together(torch_minilm, minilm):
    expected = torch_minilm.encode(SENTENCES)
    vectors = minilm.encode(SENTENCES)
    cosines = (vectors * expected).sum(axis=1)
    assert np.abs(vectors - expected).max() > 1e-4  # the 8-bit weights really are in use
    assert cosines.min() > 0.95
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert nearest_neighbours(vectors)[:4] == [1, 0, 3, 2] == nearest_neighbours(expected)[:4]


@pytest.mark.slow
def test_int8_vector_does_not_depend_on_the_other_sentences(minilm):
    # 8-bit activations are scaled per batch, hence batches of one and these exact equalities.
    assert minilm.effective_batch_size == 1
    alone = minilm.encode(SENTENCES[2:3])
    among = minilm.encode(list(reversed(SENTENCES)))
    assert np.array_equal(alone[0], among[len(SENTENCES) - 3])
    two_threads = SentenceTransformerEmbedder(backend="onnx-int8", threads=2)
    one_thread = SentenceTransformerEmbedder(backend="onnx-int8", threads=1)
    assert np.array_equal(two_threads.encode(SENTENCES), one_thread.encode(SENTENCES))


@pytest.mark.slow
def test_cache_answers_with_exactly_the_vectors_it_stored(tmp_path):
    first = SentenceTransformerEmbedder(backend="onnx", cache_dir=str(tmp_path))
    computed = first.encode(SENTENCES)
    assert (first.cache_hits, first.cache_misses) == (0, len(SENTENCES))
    assert len(list((tmp_path / "models").rglob("*"))) == 2  # the exported model (and its shard)

    second = SentenceTransformerEmbedder(backend="onnx", cache_dir=str(tmp_path))
    assert np.array_equal(second.encode(SENTENCES), computed)
    assert (second.cache_hits, second.cache_misses) == (len(SENTENCES), 0)
    assert second._session is None  # answered without running the model

    second.encode([*SENTENCES[:3], "A new sentence nobody embedded before."])  # one new text
    assert (second.cache_hits, second.cache_misses) == (len(SENTENCES) + 3, 1)
    torch_backend = SentenceTransformerEmbedder(backend="torch", cache_dir=str(tmp_path))
    torch_backend.encode(SENTENCES)  # another backend is another model
    assert (torch_backend.cache_hits, torch_backend.cache_misses) == (0, len(SENTENCES))


@pytest.mark.slow  # builds and runs the MiniLM model
def test_a_worker_that_loads_first_reads_what_an_encoding_process_stored(tmp_path):
    # The story grouping embeds the opening sentences in the driver (encode first); a worker
    # loads its model before its first cluster (``load``: the ONNX session calls the tokenizer)
    # and must find those vectors, not embed them a second time.
    grouping = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    stored = grouping.encode(SENTENCES)
    worker = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    worker.load()
    assert worker.fingerprint() == grouping.fingerprint()
    assert np.array_equal(worker.encode(SENTENCES), stored)
    assert (worker.cache_hits, worker.cache_misses) == (len(SENTENCES), 0)
    exported = [p for p in (tmp_path / "models").rglob("*") if p.is_file()]
    assert len(exported) == 1  # one exported model, not one per order of first use


@pytest.mark.slow  # builds and runs the MiniLM model
def test_damaged_cache_entries_are_computed_again_and_rewritten(tmp_path):
    embedder = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    computed = embedder.encode(SENTENCES)
    entries = sorted((tmp_path / "vectors").rglob("*"))
    entries = [e for e in entries if e.is_file()]
    assert len(entries) == len(SENTENCES)
    entries[0].write_bytes(b"")  # as a crash or a full disk would leave it
    entries[1].write_bytes(entries[1].read_bytes()[:100])
    flipped = bytearray(entries[2].read_bytes())
    flipped[-1] ^= 1  # right shape, wrong value: only the checksum tells
    entries[2].write_bytes(bytes(flipped))

    again = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    # Recomputed in a batch of three instead of seven: equal to the last float bits or so.
    assert np.allclose(again.encode(SENTENCES), computed, atol=1e-6)
    assert (again.cache_hits, again.cache_misses, again.cache_repaired) == (4, 3, 3)
    last = SentenceTransformerEmbedder(cache_dir=str(tmp_path))
    last.encode(SENTENCES)
    assert (last.cache_hits, last.cache_misses, last.cache_repaired) == (7, 0, 0)  # rewritten
    assert not list(tmp_path.rglob("*.part"))


def test_unknown_backend_is_refused():
    with pytest.raises(ParameterError, match=r"^embedder\.backend must be .*onnx-int8.*'tensorrt'"):
        SentenceTransformerEmbedder(backend="tensorrt")


def test_onnx_backends_refuse_another_device():
    with pytest.raises(ParameterError, match=r"^embedder\.device must be 'cpu'.*'cuda'"):
        SentenceTransformerEmbedder(backend="onnx", device="cuda")
    assert SentenceTransformerEmbedder(backend="torch", device="cuda").device == "cuda"


def test_batch_size_defaults_by_backend_and_a_given_one_is_kept():
    assert SentenceTransformerEmbedder(backend="onnx-int8").effective_batch_size == 1
    assert SentenceTransformerEmbedder(backend="onnx").effective_batch_size == 16
    given = SentenceTransformerEmbedder(backend="onnx-int8", batch_size=4)
    assert given.effective_batch_size == given.batch_size == 4
    assert SentenceTransformerEmbedder().batch_size is None  # parameters stored as given


@pytest.mark.slow
def test_cached_run_writes_the_same_summaries_and_says_it_used_the_cache(tmp_path):
    cache = tmp_path / "cache"
    outputs = []
    for name in ("fresh", "cached"):
        cfg = compose_config(tmp_path / name, f"cache_dir={cache}", "embedder.backend=onnx")
        report = run(cfg)
        assert report.failed == 0
        outputs.append(tmp_path / name)
    fresh, cached = (json.loads((o / "manifest.json").read_text()) for o in outputs)
    assert fresh["embedding_cache"]["misses"] >= 1
    assert cached["embedding_cache"]["misses"] == 0
    # Per sentence: the scoring step's summary sentences are hits in both runs.
    assert cached["embedding_cache"]["hits"] >= fresh["embedding_cache"]["misses"]
    assert (
        fresh["embedding_cache"]["clusters_from_cache"],
        cached["embedding_cache"]["clusters_from_cache"],
    ) == (0, 1)
    summaries = [(o / "summaries.jsonl").read_bytes() for o in outputs]
    assert summaries[0] == summaries[1]
    assert b"Ostrey" in summaries[0]


def test_a_story_that_grows_by_one_article_embeds_only_its_new_sentences(tmp_path):
    from summarize.data import Article
    from summarize.run.worker import build_summarizer

    articles = [
        "The Ostrey Street bridge collapsed into the river early on Tuesday. Three people were "
        "taken to hospital. The council had postponed repairs twice since 2019.",
        "Early on Tuesday the Ostrey Street bridge fell into the river. Three people were taken "
        "to hospital. Engineers will inspect the remaining piers this week.",
    ]
    update = (
        "A ferry will carry commuters across the river until further notice. The council said "
        "a temporary footbridge could open within a month. Three people were taken to hospital."
    )
    manifests = []
    for name, documents in (("before", articles), ("after", [*articles, update])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps({"id": "bridge", "documents": documents}) + "\n")
        cfg = compose_config(
            tmp_path / name,
            f"input.path={path}",
            f"cache_dir={tmp_path / 'cache'}",
            "embedder.backend=torch",
            "evaluation=none",
        )
        assert run(cfg).failed == 0
        manifests.append(json.loads((tmp_path / name / "manifest.json").read_text()))
    summarizer = build_summarizer(cfg)

    def sentences(index: int, text: str) -> set[str]:
        cleaned = summarizer.cleaner.clean(Article(index=index, text=text, source="a.txt"))
        return {s.text for s in summarizer.splitter.split(cleaned)[0]}

    old = sentences(0, articles[0]) | sentences(1, articles[1])
    new = sentences(2, update) - old
    assert (len(old), len(new)) == (5, 2)  # "Three people ..." is in every article
    before, after = (m["embedding_cache"] for m in manifests)
    assert (before["misses"], before["hits"]) == (len(old), 0)  # repeats embedded once
    assert (after["misses"], after["hits"]) == (len(new), len(old))


@pytest.mark.slow
def test_a_repeated_sentence_is_embedded_once_with_the_vector_it_has_alone(minilm):
    computed: list[str] = []
    compute = minilm._compute
    minilm._compute = lambda texts: computed.extend(texts) or compute(texts)
    try:
        texts = [SENTENCES[0], SENTENCES[4], SENTENCES[0], SENTENCES[4], SENTENCES[1]]
        together = minilm.encode(texts)
        assert computed == [SENTENCES[0], SENTENCES[4], SENTENCES[1]]
        for row, text in enumerate(texts):
            assert np.array_equal(together[row], minilm.encode([text])[0])
    finally:
        del minilm._compute
