"""Porter stemming shared by every stage that compares words (concepts, support, novelty).

Memoised at module level: news repeats its words, stemming dominates the cost of the lexical
stages, and a module-level cache (unlike one held by a stage object) keeps stages picklable.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer().stem(word)
