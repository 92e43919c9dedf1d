"""What an article is compared by: its words, its names and numbers, and its neural vector.

Following news-clustering practice (Miranda et al. 2018 combine TF-IDF sub-vectors of the body,
the title and the entities with time), an article has three views, each unit length, so a
pair's similarity in each view is a dot product:

- ``text``: TF-IDF of title and text, fitted on the night's articles (a word rare tonight
  says more than a word every story uses), sublinear counts, English stop words left out;
- ``names``: TF-IDF of the names (capitalised words inside a sentence, joined into runs) and
  numbers of two or more digits: "Oxfam", "Dan_Brown", "2009". Cheap named entities that need
  no model;
- ``neural``: the mean of the sentence vectors of the article's opening sentences, the same
  sentences and vectors the summarizer embeds, so with the embedding cache grouping costs no
  second pass of the model.

Every step here is linear in the number of articles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from summarize.data import Article, Sentence
from summarize.stages.group.stories import LooseArticle

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NAME_RUN = re.compile(r"[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)*")
_NUMBER = re.compile(r"\d[\d,.]*\d")
_TRAILING = ".,'-"
_YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d.,]\d)")
NAME_RUN_WORDS = 3
MIN_DF_ARTICLES = 100
"""Nights of at least this many articles leave out words that only one article uses."""
OPENING_FALLBACK_WORDS = 60
ENCODE_CHUNK = 4096
"""Opening sentences encoded per call when a night's articles are embedded."""


class Embedder(Protocol):
    """Encodes sentences; an embedder whose vectors compare only within one call (fitted on
    the texts it is given) says so with a true ``fitted_per_call``."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


class Splitter(Protocol):
    def split(self, article: Article) -> tuple[list[Sentence], bool]: ...


def opening_text(article: LooseArticle, splitter: Splitter, count: int) -> list[str]:
    """The first ``count`` sentences the summarizer's splitter keeps (the text's first words
    when it keeps none, e.g. a one-line article)."""
    sentences, _ = splitter.split(Article(index=0, text=article.text, source=article.id))
    kept = [s.text for s in sentences[:count]]
    return kept or [" ".join(article.text.split()[:OPENING_FALLBACK_WORDS]) or article.id]


def article_vectors(
    articles: Sequence[LooseArticle],
    embedder: Embedder,
    splitter: Splitter,
    opening: int,
    chunk: int = ENCODE_CHUNK,
) -> np.ndarray:
    """One unit row per article: the mean of its opening sentences' vectors. Sentences are
    encoded ``chunk`` at a time, so memory stays bounded on a night of 40,000 articles and an
    embedding cache keeps what a killed night had already embedded."""
    openings = [opening_text(article, splitter, opening) for article in articles]
    flat = [sentence for sentences in openings for sentence in sentences]
    if not flat:
        return np.zeros((len(articles), 1), dtype=np.float32)
    if getattr(embedder, "fitted_per_call", False):  # its vectors only compare within a call
        chunk = len(flat)
    vectors = np.vstack(
        [
            np.asarray(embedder.encode(flat[start : start + chunk]), dtype=np.float32)
            for start in range(0, len(flat), chunk)
        ]
    )
    owner = np.repeat(np.arange(len(openings)), [len(s) for s in openings])
    sums = np.zeros((len(openings), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, vectors)
    return normalize(sums).astype(np.float32)


def names_and_numbers(text: str) -> list[str]:
    """Capitalised words not opening a sentence, each alone and, in a run of two or three,
    the run joined ("Dan_Brown"): a longer run is a headline in title case, not a name, so
    only its words count. And numbers of two or more digits."""
    tokens: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        first = re.match(r"\s*\S+", sentence)
        start = first.end() if first else 0
        for run in _NAME_RUN.finditer(sentence, start):
            words = [w for w in (word.strip(_TRAILING).lower() for word in run.group().split())
                     if len(w) > 1]  # fmt: skip
            tokens.extend(words)
            if 2 <= len(words) <= NAME_RUN_WORDS:
                tokens.append("_".join(words))
        tokens.extend(n.replace(",", "") for n in _NUMBER.findall(sentence))
    return tokens


def years(text: str) -> frozenset[int]:
    """The years an article mentions (1900-2099): when two reports of one kind name no year
    in common, they are most likely two events."""
    return frozenset(int(y) for y in _YEAR.findall(text))


def worded(article: LooseArticle) -> str:
    """What an article's words are read from: its title (when it has one) and its text."""
    return f"{article.title}\n{article.text}" if article.title else article.text


def word_vectors(texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """The ``text`` view of ``texts`` as one batch (unit rows) and the term of each column:
    the grouper's view of a night, and the linker's of a night and its open window."""
    words = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
        # A word only one article of a big batch uses (a typo, a tokenizer's fragment) links
        # nothing and only dilutes that article's similarities; in a batch of a few articles
        # most words are in one article only, and leaving them out would let incidental
        # shared words decide.
        min_df=2 if len(texts) >= MIN_DF_ARTICLES else 1,
        dtype=np.float32,
    )
    return _tfidf(words, texts)


def names_view(texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """The ``names`` view of ``texts`` as one batch, and per text whether it names someone or
    something (a capitalised word inside a sentence; a number alone does not count)."""
    names = TfidfVectorizer(
        analyzer=names_and_numbers, sublinear_tf=True, dtype=np.float32, lowercase=False
    )
    matrix, terms = _tfidf(names, texts)
    words_only = np.flatnonzero([any(c.isalpha() for c in term) for term in terms])
    return matrix, matrix[:, words_only].getnnz(axis=1) > 0


def _tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term at all (every text empty or stop words only)
        return sp.csr_matrix((len(texts), 1), dtype=np.float32), np.array(["_"])
    return sp.csr_matrix(matrix, dtype=np.float32), vectorizer.get_feature_names_out()


@dataclass
class NightFeatures:
    """The night's articles in the three views (rows in the order of the articles given)."""

    text: sp.csr_matrix
    names: sp.csr_matrix
    neural: np.ndarray
    vocabulary: np.ndarray
    """Term of each ``text`` column, for a story's top terms."""
    years: sp.csr_matrix
    """One column per year: which years each article mentions (0/1)."""
    named: np.ndarray
    """Per article: it names someone or something (a capitalised word inside a sentence)."""

    @classmethod
    def build(cls, articles: Sequence[LooseArticle], neural: np.ndarray) -> NightFeatures:
        texts = [worded(a) for a in articles]
        text, vocabulary = word_vectors(texts)
        names_matrix, named = names_view(texts)
        mentioned = [years(text) for text in texts]
        columns = np.fromiter((y - 1900 for m in mentioned for y in sorted(m)), dtype=np.int64)
        pointers = np.cumsum([0, *(len(m) for m in mentioned)])
        year_matrix = sp.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), columns, pointers), shape=(len(texts), 200)
        )
        neural = np.asarray(neural, dtype=np.float32)
        return cls(text, names_matrix, neural, vocabulary, year_matrix, named)

    def no_year_in_common(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Per pair: both articles mention years, and none of them is the same."""
        named = self.years.getnnz(axis=1) > 0
        return named[left] & named[right] & (row_dots(self.years, left, right) == 0)

    def __len__(self) -> int:
        return self.neural.shape[0]

    def similarity(
        self, left: np.ndarray, right: np.ndarray, weights: tuple[float, float, float]
    ) -> np.ndarray:
        """Weighted cosine similarity (text, names, neural) of the article pairs
        ``(left[p], right[p])``; computed in chunks so memory stays bounded."""
        text_w, names_w, neural_w = weights
        out = np.empty(len(left), dtype=np.float64)
        for start in range(0, len(left), PAIR_CHUNK):
            a, b = left[start : start + PAIR_CHUNK], right[start : start + PAIR_CHUNK]
            score = neural_w * np.einsum("ij,ij->i", self.neural[a], self.neural[b])
            text = row_dots(self.text, a, b) if text_w or names_w else 0.0
            score += text_w * text
            if names_w:
                # Where either text names no one (lower-cased text, a short note), its names
                # say nothing: their share goes to the words rather than counting as 0.
                both = self.named[a] & self.named[b]
                score += names_w * np.where(both, row_dots(self.names, a, b), text)
            out[start : start + len(a)] = score
        return out

    def search_space(self, weights: tuple[float, float, float], dims: int, seed: int) -> np.ndarray:
        """Dense unit rows for the nearest-neighbour search: the TF-IDF reduced by truncated SVD
        (latent semantic analysis) beside the neural vector, each scaled by its weight (the
        exact similarity then rescores the candidates). The neural view keeps a little weight
        even at 0, so that a night of short texts still finds neighbours."""
        text_w, _, neural_w = weights
        components = min(dims, self.text.shape[1] - 1, len(self) - 1)
        reduced = np.zeros((len(self), 0), dtype=np.float32)
        if text_w > 0 and components >= 2:
            svd = TruncatedSVD(n_components=components, algorithm="randomized", random_state=seed)
            reduced = normalize(svd.fit_transform(self.text)).astype(np.float32)
        search = np.hstack([np.sqrt(max(neural_w, 0.05)) * self.neural, np.sqrt(text_w) * reduced])
        return normalize(search).astype(np.float32)


PAIR_CHUNK = 8192
"""Pairs read at a time, so memory stays bounded on a night's millions of candidate pairs."""


def row_dots(matrix: sp.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair ``p``: the dot product of rows ``left[p]`` and ``right[p]`` of ``matrix``."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), PAIR_CHUNK):
        a, b = left[start : start + PAIR_CHUNK], right[start : start + PAIR_CHUNK]
        out[start : start + len(a)] = np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()
    return out
