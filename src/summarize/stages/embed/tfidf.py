"""TF-IDF sentence vectors: no model to load, and fast."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from summarize.params import Constraint, Flag, Interval, check_params

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class TfidfEmbedder:
    """TF-IDF vectors fitted on the cluster's own sentences: no model, and fast.

    Fitting per call keeps each cluster's result independent of every other cluster.
    """

    fitted_per_call: ClassVar[bool] = True
    """Vectors of two calls live in two spaces: whoever splits a batch must not mix them."""

    # Checked here: scikit-learn refuses a bad value only when fitting, where it would read as
    # a cluster whose every word is a stop word.
    constraints: ClassVar[Mapping[str, Constraint]] = {
        "sublinear_tf": Flag(),
        "ngram_max": Interval(1, integer=True),
        "max_features": Interval(1, integer=True, allow_none=True),
    }

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
        check_params(self, "embedder")

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
