"""The shipped student encoder: its checksum, its independence from other sentences, its cache,
and that it keeps MiniLM's neighbours on news sentences written for these tests."""

from __future__ import annotations

import hashlib
import pickle
import shutil

import numpy as np
import pytest

from summarize.params import ParameterError
from summarize.stages.embed import student as student_module
from summarize.stages.embed.student import SHIPPED, SHIPPED_SHA256, StudentEmbedder

from .test_embed import SENTENCES, nearest_neighbours


@pytest.fixture(scope="module")
def student() -> StudentEmbedder:
    embedder = StudentEmbedder()
    embedder.load()
    return embedder


def test_the_shipped_student_is_small_and_matches_its_checksum(student):
    path = student.student_path()
    assert path.parent == student_module.MODELS and path.name == SHIPPED
    data = path.read_bytes()
    assert len(data) <= 10 * 1024 * 1024  # only its own layers ship, not the token table
    assert hashlib.sha256(data).hexdigest() == SHIPPED_SHA256[SHIPPED]


def test_it_loads_offline_and_gives_unit_vectors(student, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fresh = StudentEmbedder()
    vectors = fresh.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert fresh.fingerprint() == student.fingerprint()


def test_the_paraphrases_stay_each_others_nearest(student):
    # bridge collapse / bridge fell; three hurt / three treated: the pairs the stages must see
    vectors = student.encode(SENTENCES)
    assert nearest_neighbours(vectors)[:4] == [1, 0, 3, 2]
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.6 and similarity[2, 3] > 0.6  # MiniLM's support level
    assert similarity[0, 6] < similarity[0, 1]


def test_a_damaged_shipped_file_is_refused_naming_it(student, tmp_path, monkeypatch):
    damaged = tmp_path / SHIPPED
    shutil.copy(student.student_path(), damaged)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(student_module, "MODELS", tmp_path)
    with pytest.raises(RuntimeError, match="damaged student model") as error:
        StudentEmbedder().encode(SENTENCES)
    assert str(damaged) in str(error.value) and "train_student.py" in str(error.value)
    damaged.write_bytes(bytes(data[:1000]))  # truncated
    with pytest.raises(RuntimeError, match=str(damaged)):
        StudentEmbedder().load()


def test_a_missing_file_is_refused_naming_it(tmp_path):
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(RuntimeError, match=f"{missing}: cannot read the student model"):
        StudentEmbedder(student=str(missing)).load()


def test_a_vector_does_not_depend_on_the_other_sentences(student):
    alone = student.encode(SENTENCES[2:3])
    among = student.encode(list(reversed(SENTENCES)))
    assert np.array_equal(alone[0], among[len(SENTENCES) - 3])
    one_thread = StudentEmbedder(threads=1).encode(SENTENCES)
    assert np.array_equal(StudentEmbedder(threads=2).encode(SENTENCES), one_thread)
    repeated = student.encode([SENTENCES[0], SENTENCES[4], SENTENCES[0]])
    assert np.array_equal(repeated[0], repeated[2])
    assert np.array_equal(repeated[1], one_thread[4])


def test_the_cache_answers_bit_for_bit_what_a_fresh_run_computes(student, tmp_path):
    fresh = student.encode(SENTENCES)
    first = StudentEmbedder(cache_dir=str(tmp_path))
    assert np.array_equal(first.encode(SENTENCES), fresh)
    assert (first.cache_hits, first.cache_misses) == (0, len(SENTENCES))
    second = StudentEmbedder(cache_dir=str(tmp_path))
    assert np.array_equal(second.encode(SENTENCES), fresh)
    assert (second.cache_hits, second.cache_misses) == (len(SENTENCES), 0)
    entry = next(p for p in (tmp_path / "vectors").rglob("*") if p.is_file())
    entry.write_bytes(entry.read_bytes()[:-7])  # damaged: computed again and rewritten
    third = StudentEmbedder(cache_dir=str(tmp_path))
    assert np.array_equal(third.encode(SENTENCES), fresh)
    assert third.cache_repaired == 1


def test_the_embedder_pickles_without_its_session(student):
    copy = pickle.loads(pickle.dumps(student))
    assert copy._loaded is None
    assert np.array_equal(copy.encode(SENTENCES[:2]), student.encode(SENTENCES[:2]))


@pytest.mark.parametrize(
    ("options", "message"),
    [({"threads": 0}, "embedder.threads"), ({"max_tokens": 1}, "embedder.max_tokens")],
)
def test_bad_parameters_are_refused_when_built(options, message):
    with pytest.raises(ParameterError, match=message):
        StudentEmbedder(**options)


@pytest.mark.slow  # builds the MiniLM model
def test_its_vectors_are_close_to_the_teachers(student, minilm):
    # trained: the teacher's own layers 0, 3 and 5 untrained give 0.67 on average here
    cosine = (student.encode(SENTENCES) * minilm.encode(SENTENCES)).sum(axis=1)
    assert cosine.mean() > 0.85 and cosine.min() > 0.8
    assert nearest_neighbours(minilm.encode(SENTENCES)) == nearest_neighbours(
        student.encode(SENTENCES)
    )
