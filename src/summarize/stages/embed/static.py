"""Static sentence vectors distilled from the packaged MiniLM: a table lookup instead of a network.

``model2vec`` distils a sentence-transformers model into one vector per vocabulary token (each
token run through the model alone, reduced by PCA, weighted down when frequent); a sentence is
the mean of its tokens' vectors. That is about a hundred times cheaper than running MiniLM per
sentence, at the price of word order and context: its cosine scale is not MiniLM's, so the
cosine levels the other stages use (same sentence, same fact, already read) are given on its
own scale in ``conf/embedder/static.yaml`` (``levels``; how they were mapped: docs/speed.md).

The distilled table is built once, on first use, from the local teacher model (about 15 s
here, no download) and kept in ``cache_dir`` under a key naming the teacher's files, the
distillation's parameters and the library versions. The entry is checksummed like every cache
entry: a truncated or garbage file is detected, distilled again and rewritten with a warning.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import numpy as np

from summarize.params import Constraint, Interval, check_params
from summarize.stages.embed.cache import EntryStore
from summarize.stages.embed.fingerprint import add_versions
from summarize.stages.embed.model import OFFLINE_MINILM, embed_once, resolve_model_path

log = logging.getLogger("summarize")

_FORMAT = "static-table-v1"
_LEVELS = ("duplicate", "support", "close_support", "novelty")
_LIBRARIES = ("model2vec", "skeletoken", "transformers", "torch", "tokenizers", "scikit-learn")
"""What distils the table (scikit-learn: its PCA); a new version distils it again."""


class StaticEmbedder:
    """Mean of distilled static token vectors, unit length; see the module docstring.

    ``pca_dims`` (dimensions kept, ``None``: all 384) and ``sif_coefficient`` (how much
    frequent tokens are weighted down, ``None``: not at all) are model2vec's distillation
    parameters; ``max_tokens`` cuts a sentence's tokens as model2vec does. ``levels`` are the
    cosine levels of this embedder that mean what MiniLM's 0.8, 0.6, 0.85 and 0.7 mean; the
    dedup and update configurations read them, and the embedder only keeps them so that one
    config file states both.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "pca_dims": Interval(2, 384, integer=True, allow_none=True),
        "sif_coefficient": Interval(0, 1, closed="left", allow_none=True),
        "max_tokens": Interval(1, integer=True),
    }

    def __init__(
        self,
        model: str = OFFLINE_MINILM,
        pca_dims: int | None = 256,
        sif_coefficient: float | None = 1e-4,
        max_tokens: int = 512,
        cache_dir: str | None = None,
        levels: Mapping[str, float] | None = None,
    ) -> None:
        self.model = model
        self.pca_dims = pca_dims
        self.sif_coefficient = sif_coefficient
        self.max_tokens = max_tokens
        self.levels = dict(levels) if levels is not None else None
        check_params(self, "embedder")
        _check_levels(self.levels)
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else _user_cache()
        self._models = EntryStore(self.cache_dir / "models")
        self._table: np.ndarray | None = None
        self._tokenizer = None
        self._unknown: int | None = None

    # The run's manifest reports what the cache answered. Vectors are never cached: a lookup
    # and a mean cost less than reading a file per sentence.
    cache_hits = 0
    cache_misses = 0

    @property
    def cache_repaired(self) -> int:
        """Damaged distilled tables found in the cache, distilled again and rewritten."""
        return self._models.repaired

    def __getstate__(self) -> dict:
        # The table is 30,000 x 256 floats and the tokenizer does not pickle: a copy sent to a
        # worker reads them from the cache on first use.
        state = self.__dict__.copy()
        state["_table"] = None
        state["_tokenizer"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def load(self) -> None:
        """Reads (or distils) the table now: a worker pays it before its first cluster."""
        self._load()

    def key(self) -> str:
        """The cache key: the teacher's files, the distillation's parameters, the versions."""
        digest = hashlib.sha256(f"{_FORMAT}\0".encode())
        add_versions(digest, _LIBRARIES)
        digest.update(f"pca={self.pca_dims};sif={self.sif_coefficient};".encode())
        folder = self._teacher_folder()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return embed_once(self._compute, texts)

    def _compute(self, texts: list[str]) -> np.ndarray:
        table, tokenizer = self._load()
        ids = []
        for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
            tokens = [i for i in encoding.ids if i != self._unknown][: self.max_tokens]
            ids.append(np.asarray(tokens, dtype=np.int64))
        vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for row, tokens in enumerate(ids):
            if tokens.size:
                vectors[row] = table[tokens].mean(axis=0)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    def _teacher_folder(self) -> Path:
        folder = Path(resolve_model_path(self.model))
        if not folder.is_dir():
            raise RuntimeError(
                f"embedder=static distils a local sentence-transformers model folder; "
                f"{self.model!r} ({folder}) is not one"
            )
        return folder

    def _load(self):
        if self._table is None:
            key = self.key()
            payload = self._models.get(key)
            table = tokenizer = None
            if payload is not None:
                try:
                    table, tokenizer = _unpack(payload)
                except ValueError as error:  # passed its checksum, yet is not a table
                    self._models.repaired += 1
                    log.warning(
                        "cached static model %s is unusable (%s); distilling again", key[:12], error
                    )
            if table is None:
                log.info(
                    "distilling static vectors from %s (once; kept in %s)",
                    self.model,
                    self.cache_dir,
                )
                payload = self._distil()
                table, tokenizer = _unpack(payload)
                self._models.put(key, payload)
            self._table, self._tokenizer = table, tokenizer
            self._unknown = _unknown_id(tokenizer)
        return self._table, self._tokenizer

    def _distil(self) -> bytes:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from model2vec.distill import distill_from_model
        from transformers import AutoModel, AutoTokenizer

        folder = self._teacher_folder()
        try:
            teacher = AutoModel.from_pretrained(str(folder))
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            static = distill_from_model(
                model=teacher,
                tokenizer=tokenizer,
                pca_dims=self.pca_dims,
                sif_coefficient=self.sif_coefficient,
                device="cpu",
                quantize_to="float32",
            )
        except Exception as error:
            raise RuntimeError(
                f"cannot distil static vectors from {self.model!r} ({folder}): "
                f"{type(error).__name__}: {error}"
            ) from error
        table = np.asarray(static.embedding, dtype=np.float32)
        weights = getattr(static, "weights", None)
        if weights is not None:
            table = table * np.asarray(weights, dtype=np.float32)[:, None]
        mapping = getattr(static, "token_mapping", None)
        if mapping is not None:
            table = table[np.asarray(mapping)]
        return _pack(table, static.tokenizer.to_str())


def _check_levels(levels: Mapping[str, float] | None) -> None:
    from summarize.params import ParameterError

    if levels is None:
        return
    unknown = sorted(set(levels) - set(_LEVELS))
    if unknown:
        raise ParameterError(
            f"embedder.levels: unknown level {unknown[0]!r} (known: {', '.join(_LEVELS)})"
        )
    for name, value in levels.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
            raise ParameterError(f"embedder.levels.{name} must be in (0, 1], got {value!r}")


def _pack(table: np.ndarray, tokenizer_json: str) -> bytes:
    buffer = io.BytesIO()
    header = json.dumps({"format": _FORMAT}).encode()
    np.savez(
        buffer,
        header=np.frombuffer(header, dtype=np.uint8),
        table=table.astype("<f4"),
        tokenizer=np.frombuffer(tokenizer_json.encode(), dtype=np.uint8),
    )
    return buffer.getvalue()


def _unpack(payload: bytes):
    """The token table and tokenizer of a cache entry, or ``ValueError`` saying what is wrong."""
    from tokenizers import Tokenizer

    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            header = json.loads(archive["header"].tobytes())
            table = np.array(archive["table"], dtype=np.float32)
            tokenizer = Tokenizer.from_str(archive["tokenizer"].tobytes().decode())
        # A sentence is the mean of its own tokens: no padding to its batch's longest, and
        # ``max_tokens`` cuts it, not the tokenizer.
        tokenizer.no_padding()
        tokenizer.no_truncation()
    except Exception as error:
        raise ValueError(f"{type(error).__name__}: {error}"[:200]) from error
    if header.get("format") != _FORMAT:
        raise ValueError(f"format {header.get('format')!r}, not {_FORMAT!r}")
    if (
        table.ndim != 2
        or table.shape[0] < tokenizer.get_vocab_size()
        or not np.isfinite(table).all()
    ):
        raise ValueError(f"a {table.shape} table does not fit the tokenizer's vocabulary")
    return table, tokenizer


def _unknown_id(tokenizer) -> int | None:
    model = json.loads(tokenizer.to_str()).get("model", {})
    token = model.get("unk_token")
    return tokenizer.token_to_id(token) if token else None


def _user_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("summarize", appauthor=False))
