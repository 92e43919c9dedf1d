"""The fact guard: a rewritten sentence may only say what the source articles say.

A generative model paraphrases well and invents quietly: a rounded number, a first name it
guessed, the capital instead of the town. News readers do not forgive that, so every rewritten
sentence is checked against the cluster's articles before it reaches a briefing. The checks are
deliberately lexical and strict (a fact must be *stated* in the sources, not merely plausible),
plus one semantic check that the sentence is close to something a source says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

import numpy as np

from summarize.params import Constraint, Flag, Interval, check_params

Encoder = Callable[[list[str]], np.ndarray]


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _ordered(words: str) -> list[str]:
    return words.split()


_MONTHS = {
    "january": "january",
    "jan": "january",
    "february": "february",
    "feb": "february",
    "march": "march",
    "mar": "march",
    "april": "april",
    "apr": "april",
    "may": "may",
    "june": "june",
    "jun": "june",
    "july": "july",
    "jul": "july",
    "august": "august",
    "aug": "august",
    "september": "september",
    "sep": "september",
    "sept": "september",
    "october": "october",
    "oct": "october",
    "november": "november",
    "nov": "november",
    "december": "december",
    "dec": "december",
}
_WEEKDAYS = {
    day: day
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}
_CALENDAR = {**_MONTHS, **_WEEKDAYS}

_UNITS = {
    word: value
    for value, word in enumerate(
        _ordered(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(_ordered("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_SCALES = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_SCALES, "dozen": 12}

_TITLES = _vocabulary(
    "mr mrs ms miss dr sir dame lord lady president sen senator rep representative gov "
    "governor gen general lt col sgt capt cpl maj adm prof professor rev judge justice officer "
    "chief mayor minister prime secretary king queen prince princess pope st saint attorney "
    "detective director chairman chairwoman coach former deputy vice acting sheriff"
)
_HONORIFICS = _vocabulary("mr mrs ms miss")
_FUNCTION_WORDS = _vocabulary(
    "a an the and but or nor so yet for in on at to of by with from as if then than that this "
    "these those there here he she it they we you i his her its their our my your who what "
    "when where why how while after before since until although though because however "
    "meanwhile also still even just not no all both each every many most some such one"
)
_PLACE_PREPOSITIONS = _vocabulary(
    "in at near from outside inside across into toward towards throughout around within via"
)
_PLACE_SUFFIXES = _vocabulary(
    "county city state province district street avenue road river lake mountain mountains "
    "island islands valley bay beach park square airport region"
)

_NUMBER_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[a-z]+|%|[,;:()]")
_WORD = re.compile(r"[^\W\d_](?:[\w'’&-]|\.(?=[^\W\d_]))*\.?")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+")
_INITIAL = re.compile(r"[^\W\d_]\.")
_POSSESSIVE = re.compile(r"['’]s?$")
_START_GAP = re.compile(r"[.!?:;\"“”‘(\[—–]")


def _key(value: float) -> float:
    return round(value, 6)


def _numbers(text: str, pronoun_one: bool = True) -> list[tuple[str, str, float]]:
    """Every number stated in ``text`` as (surface, kind, value); kind is "number" or "date".

    Digits and written-out numbers compare by value, so "twelve" matches "12" and "5 million"
    matches "5,000,000"; a percentage is its number. A lone "one" is skipped when
    ``pronoun_one``: it is "one of them" or "no one" far more often than a count.
    """
    tokens = _NUMBER_TOKEN.findall(text.lower())
    found: list[tuple[str, str, float]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token[0].isdigit():
            value = float(token.replace(",", ""))
            surface = token
            is_year = len(token) == 4 and token.isdigit() and 1000 <= value <= 2100
            if i + 1 < len(tokens) and tokens[i + 1] in _SCALES:
                value *= _SCALES[tokens[i + 1]]
                surface = f"{token} {tokens[i + 1]}"
                is_year = False
                i += 1
            found.append((surface, "date" if is_year else "number", value))
            i += 1
        elif token in _NUMBER_WORDS:
            start = i
            total = current = 0
            while i < len(tokens) and (
                tokens[i] in _NUMBER_WORDS
                or (  # "three hundred and five", but not "twenty and thirty"
                    tokens[i] == "and"
                    and tokens[i - 1] in _SCALES
                    and i + 1 < len(tokens)
                    and tokens[i + 1] in _NUMBER_WORDS
                )
            ):
                word = tokens[i]
                if word in _UNITS or word in _TENS:
                    current += _NUMBER_WORDS[word]
                elif word in ("hundred", "dozen"):
                    current = max(current, 1) * _NUMBER_WORDS[word]
                elif word in _SCALES:
                    total += max(current, 1) * _SCALES[word]
                    current = 0
                i += 1
            surface = " ".join(tokens[start:i])
            if surface != "one" or not pronoun_one:
                found.append((surface, "number", float(total + current)))
        else:
            i += 1
    return found


class _Word:
    __slots__ = ("capital", "key", "possessive", "start", "text")

    def __init__(self, text: str, key: str, start: bool) -> None:
        self.text = text
        self.key = key
        self.capital = text[:1].isupper()
        self.start = start
        """First word of a sentence, clause or quotation: capitalised without being a name."""
        self.possessive = bool(_POSSESSIVE.search(text))
        """Ends a name: "Millbrook's Harbour Bridge" is two names."""


def _words(text: str) -> list[list[_Word]]:
    """Words grouped into spans that no punctuation interrupts (a name never crosses a comma).

    A full stop ends a span unless it closes a title ("Mr."), an initial ("W.") or a dotted
    abbreviation ("U.S.").
    """
    spans: list[list[_Word]] = []
    previous_end: int | None = None
    sentence_end = True
    for match in _WORD.finditer(text):
        token = match.group()
        abbreviation = bool(_DOTTED.fullmatch(token))
        if token.endswith(".") and not abbreviation:
            token = token[:-1]
        gap = "" if previous_end is None else text[previous_end : match.start()]
        start = sentence_end or bool(_START_GAP.search(gap))
        if start or gap.strip() or not spans:
            spans.append([])
        key = _POSSESSIVE.sub("", token.replace(".", "")).lower()
        previous = spans[-1][-1] if spans[-1] else None
        if previous is not None and _INITIAL.fullmatch(token) and _DOTTED.fullmatch(previous.text):
            # "U. S." is "U.S.", "J. K." is "J.K."
            spans[-1][-1] = _Word(previous.text + token, previous.key + key, previous.start)
        else:
            spans[-1].append(_Word(token, key, start))
        sentence_end = (
            match.group().endswith(".") and not abbreviation and len(key) > 1 and key not in _TITLES
        )
        previous_end = match.end()
    return spans


class FactGuard:
    """Checks sentences against one cluster's source articles.

    ``check`` returns None for a sentence the sources support, otherwise a short reason that
    starts with its kind: ``number``, ``date``, ``name``, ``place`` or ``similarity``. Without
    source embeddings (or an encoder) the similarity check is skipped.
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "min_similarity": Interval(-1, 1),
        "numbers": Flag(),
        "dates": Flag(),
        "names": Flag(),
    }

    def __init__(
        self,
        sources: Sequence[str],
        source_embeddings: np.ndarray | None = None,
        encode: Encoder | None = None,
        *,
        min_similarity: float = 0.55,
        numbers: bool = True,
        dates: bool = True,
        names: bool = True,
    ) -> None:
        self.min_similarity = min_similarity
        self.numbers = numbers
        self.dates = dates
        self.names = names
        check_params(self, "rewriter.guard")
        self.encode = encode
        self.source_embeddings = (
            None
            if source_embeddings is None or len(source_embeddings) == 0
            else np.asarray(source_embeddings, dtype=np.float32)
        )
        self._values: set[float] = set()
        self._calendar: set[str] = set()
        self._lowercase: set[str] = set()
        self._vocabulary: set[str] = set()
        spans: list[str] = []
        for text in sources:
            self._values.update(_key(value) for _, _, value in _numbers(text, False))
            for span in _words(text):
                spans.append(" ".join(word.key for word in span))
                self._vocabulary.update(word.key for word in span)
                for word in span:
                    if word.capital and word.key in _CALENDAR:
                        self._calendar.add(_CALENDAR[word.key])
                    elif not word.capital:
                        self._lowercase.add(word.key)
        self._text = " | " + " | ".join(spans) + " | "

    def check(self, sentence: str, embedding: np.ndarray | None = None) -> str | None:
        """None if the sources support ``sentence``, else why not."""
        reason = self._facts(sentence)
        if reason is None and self.source_embeddings is not None:
            if embedding is None and self.encode is not None:
                embedding = self.encode([sentence])[0]
            if embedding is not None:
                best = self.similarity(embedding)
                if best < self.min_similarity:
                    return (
                        f"similarity {best:.2f} to the closest source sentence is below "
                        f"{self.min_similarity:.2f}"
                    )
        return reason

    def similarity(self, embedding: np.ndarray) -> float:
        """Cosine similarity of a unit-length embedding to its closest source sentence."""
        if self.source_embeddings is None:
            return 1.0
        return float(np.max(self.source_embeddings @ np.asarray(embedding, dtype=np.float32)))

    def _facts(self, sentence: str) -> str | None:
        if self.numbers or self.dates:
            for surface, kind, value in _numbers(sentence):
                enabled = self.dates if kind == "date" else self.numbers
                if enabled and _key(value) not in self._values:
                    return f"{kind} not in the sources: {surface!r}"
        spans = _words(sentence)
        if self.dates:
            for span in spans:
                for word in span:
                    known = _CALENDAR.get(word.key) in self._calendar
                    if word.capital and word.key in _CALENDAR and not known:
                        return f"date not in the sources: {word.text!r}"
        if self.names:
            for kind, key, name in self._names(spans):
                if f" {key} " not in self._text:
                    return f"{kind} not in the sources: {name!r}"
        return None

    def _names(self, spans: Iterable[list[_Word]]) -> Iterable[tuple[str, str, str]]:
        """Capitalised runs of words that must appear in the sources: (kind, key, surface)."""
        for span in spans:
            runs: list[tuple[int, list[_Word]]] = []
            for i, word in enumerate(span):
                name_like = word.capital and word.key not in _CALENDAR and word.text != "I"
                if not name_like:
                    continue
                if runs and runs[-1][0] + len(runs[-1][1]) == i and not span[i - 1].possessive:
                    runs[-1][1].append(word)
                else:
                    runs.append((i, [word]))
            for first, run in runs:
                if len(run) == 1 and run[0].start:
                    continue  # any word may open a sentence capitalised
                words = self._strip_common(run)
                if not words:
                    continue
                before = span[first - 1].key if first > 0 else ""
                place = before in _PLACE_PREPOSITIONS or run[-1].key in _PLACE_SUFFIXES
                yield (
                    "place" if place else "name",
                    " ".join(w.key for w in words),
                    " ".join(w.text for w in words),
                )

    def _strip_common(self, run: list[_Word]) -> list[_Word]:
        """Drops leading titles and ordinary words; a run of only ordinary words is kept whole.

        "President Obama" is checked as "Obama" if the sources call anyone a president (a role
        is a fact too), the sentence-initial "The" of "The Paris police" as nothing at all, but
        "White House" must appear as such.
        """

        def title(word: _Word) -> bool:
            return word.key in _HONORIFICS or (word.key in _TITLES and word.key in self._vocabulary)

        def common(word: _Word) -> bool:
            return title(word) or (
                word.key not in _TITLES
                and (word.key in _FUNCTION_WORDS or word.key in self._lowercase)
            )

        rest = list(run)
        while rest and common(rest[0]):
            rest.pop(0)
        if rest:
            return rest
        if len(run) == 1 or all(w.key in _FUNCTION_WORDS or title(w) for w in run):
            return []
        return run
