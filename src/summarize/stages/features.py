"""Text features several stages share: Porter stems, content words, bigram concepts, and
scores rescaled to [0, 1].

The ``concepts`` selector covers bigram concepts, update briefings discount the concepts a
reader has met, and query focus boosts the concepts that name what was asked; they must all
mean the same thing by a concept, so it is defined once here.

Stemming is memoised at module level: news repeats its words, stemming dominates the cost of
the lexical stages, and a module-level cache (unlike one held by a stage object) keeps stages
picklable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer().stem(word)


def bigram_concepts(text: str) -> set[tuple[str, str]]:
    """The concepts of a text: its stemmed word bigrams, except those of two stop words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    tokens = _TOKEN.findall(text.lower())
    return {
        (stem_word(a), stem_word(b))
        for a, b in pairwise(tokens)
        if not (a in ENGLISH_STOP_WORDS and b in ENGLISH_STOP_WORDS)
    }


def content_stems(text: str) -> set[str]:
    """The stemmed words of a text that are neither stop words nor single characters (the
    "s" of "Iraq's", the letters of "U.S."): what a query asks about."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {
        stem_word(t)
        for t in _TOKEN.findall(text.lower())
        if len(t) > 1 and t not in ENGLISH_STOP_WORDS
    }


def unit_range(scores: np.ndarray) -> np.ndarray:
    """Rescales to [0, 1] so that a score and a salience prior are on one scale."""
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-12:
        return np.ones_like(scores, dtype=np.float64)
    return (scores - low) / (high - low)
