"""A smaller sentence encoder distilled from the packaged MiniLM, shipped with the package.

The student keeps a few of all-MiniLM-L6-v2's six transformer layers and was trained to
reproduce its unit-length sentence vectors (mean squared error, ``scripts/train/train_student.py``),
so its cosines live on MiniLM's scale and the other stages keep MiniLM's levels. Fewer layers
are fewer operations per sentence: that is the whole point.

Only the student's own layers ship (an 8-bit ONNX graph, a few MB in ``models/``): the token
embedding table, frozen during training, is read from the packaged teacher at load. Both are
checked against the SHA-256 the student was built with, so a damaged or replaced file, or a
teacher whose table changed, is refused with an error naming the file and how to rebuild it,
instead of giving vectors on another scale. Tokenizing is the teacher's tokenizer; pooling
(mean over tokens) and normalising run here in NumPy, so no PyTorch is loaded at all.

Each sentence is run on its own (no padding, no batch-scaled 8-bit activations), so its vector
depends only on its text: the vector cache answers bit for bit what a fresh run computes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import numpy as np

from summarize.params import Constraint, Flag, Interval, check_params
from summarize.stages.embed.cache import EntryStore, VectorCacheCounters, vector_store
from summarize.stages.embed.fingerprint import add_versions
from summarize.stages.embed.model import (
    OFFLINE_MINILM,
    cached_vectors,
    embed_once,
    resolve_model_path,
)
from summarize.stages.embed.onnx import fuse_bert, inference_session, quantize_int8
from summarize.stages.shipped import read_checked

MODELS = Path(__file__).parent / "models"
SHIPPED = "minilm-l3-int8.onnx"
"""The shipped student: layers 0, 3 and 5 of the packaged MiniLM, 8-bit weights."""
SHIPPED_SHA256 = {
    SHIPPED: "9099f127cc5aea93f886cf13d013812a1e0b47dcf692b26ed424ac703b6c97bb",
}
"""The SHA-256 of each shipped student file, as ``train_student.py`` printed it."""
TEACHER_TABLE_SHA256 = "352d34a4ad725bb742f36fc3f2a2dcfa7f07317926128d47c362198125003892"
"""The SHA-256 of the packaged teacher's token embedding table the students were trained on."""
_TABLE = "embeddings.word_embeddings.weight"
_REBUILD = "rebuild it with scripts/train/train_student.py or reinstall the package"


class StudentEmbedder(VectorCacheCounters):
    """The distilled student (``student``: a file in ``models/`` or a path), with ``model``'s
    tokenizer and token table; see the module docstring.

    ``threads`` sentences run side by side (``None``: every core). With ``cache_dir`` set and
    ``cache_vectors``, each sentence's vector is kept as the MiniLM embedder keeps its own.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "threads": Interval(1, integer=True, allow_none=True),
        "cache_max_mb": Interval(0, closed="neither", allow_none=True),
        "cache_vectors": Flag(),
        "max_tokens": Interval(3, integer=True),
    }

    def __init__(
        self,
        student: str = SHIPPED,
        model: str = OFFLINE_MINILM,
        threads: int | None = None,
        max_tokens: int = 256,
        cache_dir: str | None = None,
        cache_max_mb: int | None = 2048,
        cache_vectors: bool = True,
    ) -> None:
        self.student = student
        self.model = model
        self.threads = threads
        self.max_tokens = max_tokens
        self.cache_max_mb = cache_max_mb
        self.cache_vectors = cache_vectors
        check_params(self, "embedder")
        self.cache_dir = cache_dir
        self._vectors: EntryStore | None = None
        if cache_dir and cache_vectors:
            self._vectors = vector_store(cache_dir, cache_max_mb)
        self._loaded: tuple | None = None
        self._fingerprint: str | None = None

    def __getstate__(self) -> dict:
        # The session and tokenizer do not pickle: a worker loads its own on first use.
        return {**self.__dict__, "_loaded": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def student_path(self) -> Path:
        """The student's file: a name in the package's ``models/`` folder, or a path."""
        shipped = MODELS / self.student
        return shipped if self.student in SHIPPED_SHA256 else Path(self.student).expanduser()

    def load(self) -> None:
        """Reads and checks the student, the teacher's table and tokenizer now."""
        self._load()

    def fingerprint(self) -> str:
        """Names the vectors by content: the student's graph, the table, the tokenizer, the
        runtime's version, and how sentences are cut."""
        self._load()
        assert self._fingerprint is not None
        return self._fingerprint

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self._vectors is None:
            return embed_once(self._compute, texts)
        return cached_vectors(self._vectors, self.fingerprint(), True, texts, 384, self._compute)

    def _compute(self, texts: list[str]) -> np.ndarray:
        session, table, tokenizer = self._load()
        output = session.get_outputs()[0].name

        def one(ids: list[int]) -> np.ndarray:
            hidden = session.run([output], {"inputs_embeds": table[ids][None]})[0][0]
            pooled = hidden.mean(axis=0, dtype=np.float64)
            return (pooled / max(np.linalg.norm(pooled), 1e-12)).astype(np.float32)

        ids = [encoding.ids for encoding in tokenizer.encode_batch(texts)]
        workers = self.threads or os.cpu_count() or 1
        if workers == 1 or len(ids) == 1:
            return np.stack([one(i) for i in ids])
        with ThreadPoolExecutor(max_workers=workers) as pool:  # run() releases the GIL
            return np.stack(list(pool.map(one, ids)))

    def _load(self) -> tuple:
        if self._loaded is None:
            path = self.student_path()
            expected = _expected(self.student, path)
            graph = read_checked(path, expected["sha256"], "student model", _REBUILD)
            teacher = Path(resolve_model_path(self.model))
            table, table_digest = _teacher_table(teacher)
            if expected["table_sha256"] not in (None, table_digest):
                raise RuntimeError(
                    f"{teacher / 'model.safetensors'}: its token table (SHA-256 "
                    f"{table_digest[:12]}...) is not the one the student {path} was trained "
                    f"with ({expected['table_sha256'][:12]}...); {_REBUILD}"
                )
            tokenizer = _tokenizer(teacher, self.max_tokens)
            try:
                session = inference_session(graph)
            except Exception as error:
                raise RuntimeError(f"{path}: not a student ONNX graph ({error})") from error
            digest = hashlib.sha256(b"student-v1\0")
            add_versions(digest, ("onnxruntime", "tokenizers", "numpy"))
            digest.update(hashlib.sha256(graph).digest() + table_digest.encode())
            digest.update(tokenizer.to_str().encode())
            self._fingerprint = digest.hexdigest()
            self._loaded = (session, table, tokenizer)
        return self._loaded


def checksum_file(path: Path) -> Path:
    """Where the checksums of a student given by path are kept: ``<file>.sha256.json``."""
    return path.with_name(path.name + ".sha256.json")


def write_checksums(path: Path, teacher: str = OFFLINE_MINILM) -> dict[str, str]:
    """Writes (and returns) the checksums a student at ``path`` will be checked against."""
    _, table_digest = _teacher_table(Path(resolve_model_path(teacher)))
    sums = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "table_sha256": table_digest}
    checksum_file(path).write_text(json.dumps(sums, indent=1) + "\n")
    return sums


def _expected(name: str, path: Path) -> dict[str, str | None]:
    """The checksums a student must match: the code's for a shipped one, else its checksum
    file's (none if it has none: a student being trained)."""
    if name in SHIPPED_SHA256:
        return {"sha256": SHIPPED_SHA256[name], "table_sha256": TEACHER_TABLE_SHA256}
    try:
        sums = json.loads(checksum_file(path).read_text())
    except FileNotFoundError:
        return {"sha256": None, "table_sha256": None}
    except (OSError, ValueError) as error:
        raise RuntimeError(f"{checksum_file(path)}: unreadable checksums ({error})") from error
    return {"sha256": sums.get("sha256"), "table_sha256": sums.get("table_sha256")}


def _teacher_table(folder: Path) -> tuple[np.ndarray, str]:
    """The teacher's token embedding table (float32) and its SHA-256."""
    from safetensors import safe_open

    path = folder / "model.safetensors"
    try:
        with safe_open(str(path), framework="numpy") as weights:
            table = np.ascontiguousarray(weights.get_tensor(_TABLE), dtype=np.float32)
    except Exception as error:
        raise RuntimeError(f"{path}: cannot read the token table {_TABLE!r} ({error})") from error
    return table, hashlib.sha256(table.tobytes()).hexdigest()


def _tokenizer(folder: Path, max_tokens: int):
    """The teacher's tokenizer, cutting at ``max_tokens`` as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


def export_student_onnx(bert, fuse: bool = False) -> bytes:
    """``bert``'s layers as an 8-bit ONNX graph from looked-up token vectors (``inputs_embeds``,
    one sentence, no padding) to its last hidden states; ``fuse``: ONNX Runtime's BERT fusions
    first."""
    import tempfile
    import warnings

    import torch

    bert = bert.eval()

    class _FromEmbeds(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds):
            return self.bert(inputs_embeds=inputs_embeds).last_hidden_state

    sample = torch.zeros(1, 7, bert.config.hidden_size)
    axes = {"inputs_embeds": {1: "sequence"}, "last_hidden_state": {1: "sequence"}}
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "student.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _FromEmbeds(),
                (sample,),
                str(exported),
                input_names=["inputs_embeds"],
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        if fuse:
            fuse_bert(exported, bert.config.num_attention_heads, bert.config.hidden_size)
        quantized = Path(scratch) / "student-int8.onnx"
        quantize_int8(exported, quantized, fused=fuse)
        return quantized.read_bytes()
