"""Where the sources differ: facts that two independent sources state with different figures,
or that one states and another denies.

A reader should see "85% (Reuters), about 80% (BBC), 75 percent (VOA)" side by side, not one of
them picked silently. A wrong "sources differ" is worse than a missing one (it tells the reader
a settled fact is disputed), so every test here is built to say no when in doubt:

- **Figures.** Each sentence's figures are read with their kind (a percentage, an amount of
  money, a count of something, a year, an age, a day of the month, a duration) and what they
  count (the noun after a count, the currency, the time unit). Two figures can only disagree
  when kind and unit match, their values differ, and neither value appears among the other
  sentence's figures of that kind ("3 dead, 5 hurt" against "3 dead, 6 hurt" is about the
  hurt, not the dead). Bounds are read: "more than 300" and "310" do not disagree; "another
  300" adds to a total and states none. The figures must also have the same scope: no other
  number in one's phrase that the other sentence lacks ("over the next 10 years"), a
  governing word in common ("destroys" is not "damages"), both negated or neither, the same
  years and the same things pointed back to ("that blast", "those blasts").
- **The same thing.** The two sentences must state the same fact apart from the figure: a
  close statement (cosine >= ``threshold`` and ``min_shared`` of their content words, figures
  left out, Dice) whose ``context_words`` words either side of the figures also share
  ``min_shared`` of their content words ("14 workers were taken to hospital" is not "19
  workers were evacuated"). With ``paraphrases``, also sentences on one topic (cosine >=
  ``topic_threshold``) whose figures' own phrases (the clause of each) say the same thing:
  ``min_shared`` of their content words, cosine >= ``context_threshold``, a name other than
  what is counted, the same time if any. Two sentences that merely
  share a number never qualify, and two different measures of one event differ in what they
  count.
- **Sources.** A republished copy is its original (``Document.source_of``): a wire story and
  its copy never disagree, and the original's sentence speaks for both.
- **Denials.** One source's sentence says the other's with an explicit denial added ("denied
  that", "rejected claims"), the rest being a close statement (same bars as above) and no
  figure differing. A bare "not" is no denial ("could not confirm" is not "confirmed").

Disagreements on one measure are merged (85% / 80% / 75%): each becomes one item whose
variants are one sentence per source, first the sources whose sentence is in the briefing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from summarize.data import Disagreement, Document, Sentence, Variant, sentence_key
from summarize.params import Constraint, Flag, Interval, check_params
from summarize.stages.dedup import content_words
from summarize.stages.features import stem_word

__all__ = ["DisagreementFinder", "Figure", "IgnoreDisagreements", "disputed", "figures"]

_COSINE = Interval(0, 1, closed="right")

_NUMBER_WORDS = {  # not "one": mostly not a count ("one of the", "one day")
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "m": 1e6,
    "bn": 1e9,
    "k": 1e3,
}
_CURRENCY = {
    "$": "dollar",
    "£": "pound",
    "€": "euro",
    "dollars": "dollar",
    "dollar": "dollar",
    "pounds": "pound",
    "euros": "euro",
    "yen": "yen",
    "yuan": "yuan",
    "rupees": "rupee",
}
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
)
_TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade"}
_LOWER = {"more than", "over", "at least", "upwards of", "in excess of"}
_UPPER = {
    "less than",
    "fewer than",
    "under",
    "up to",
    "as many as",
    "at most",
    "no more than",
    "nearly",  # nearly 55 is a little under 55: 54 agrees with it
    "almost",
}
_INCREMENT_BEFORE = re.compile(r"\b(?:another|other|an additional|a further|an extra)\s*$")
_INCREMENT_AFTER = {"more", "additional", "other", "extra", "further"}
_SKIP = {
    "more",
    "than",
    "additional",
    "other",
    "extra",
    "new",
    "of",
    "the",
    "about",
    "some",
    "further",
    "or",
    "so",
    "and",
    "a",
    "an",
    "s",
}
_CLAIM = r"(?:claims?|reports?|allegations?|accusations?|charges?)"
_DENIAL = re.compile(
    rf"\bden(?:y|ies|ied|ying)\s+(?:that|any|ever|having|being|it|the\s+{_CLAIM}|{_CLAIM})\b"
    rf"|\bdismissed\s+(?:\w+\s+){{0,3}}as\s+(?:false|untrue)\b"
    rf"|\brejected\s+(?:the\s+)?{_CLAIM}",
    re.IGNORECASE,
)
"""An explicit denial of a claim. A bare "not" is none ("could not confirm", "isn't expected"),
nor is denying a thing ("denied bail to the suspect")."""

_FIGURE = re.compile(
    r"(?P<currency>[$£€]\s?)?"
    r"(?<![\w.,/:-])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")(?![\w/:]|[.,]\d|-(?!year-old))"
    r"(?P<scale>\s(?:thousand|million|billion|trillion)\b|(?:m|bn|k)\b)?"
    r"(?P<percent>\s?%|\s(?:percent|per cent)\b|-(?:percent|per cent)\b)?"
    r"(?P<age>-year-old\b|\syears? old\b)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")
_RANGE_BEFORE = re.compile(
    r"\d\s*(?:%|percent|per cent|thousand|million|billion|trillion)?\s*(?:to|-|–|and|or)\s*[$£€]?$"
)
_RATIO_BEFORE = re.compile(r"(?:\d|\bone|\ba)\s+(?:in|out of|of every|of each)\s+$")
_RATIO_AFTER = re.compile(r"\s+(?:in|out of|of every|of each)\s+(?:\d|every\b)")
_YEAR = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)")
_RANGE_AFTER = re.compile(r"\s*(?:%|percent|per cent)?\s*(?:to|-|–|and|or)\s*[$£€]?\d")


@dataclass(frozen=True)
class Figure:
    """A figure as a sentence states it: ``text`` as written ("about 85%"), its ``value``,
    what kind of figure it is, what it counts (stems), and whether it is a bound."""

    text: str
    value: float
    kind: str
    """``percent``, ``money``, ``count``, ``year``, ``age``, ``day`` or ``duration``."""
    unit: frozenset[str]
    bound: str = "="
    """``>=`` for "more than 300", ``<=`` for "up to 300", ``+`` for an increment ("another
    300", "300 more"), ``=`` otherwise."""
    start: int = 0
    end: int = 0
    step: float = 1.0
    """The value of the last digit written (0.1 for "2.3%", a million for "3 million"): two
    figures closer than that may be one rounded ("2.3 percent" and "2 percent")."""
    lead: frozenset[str] = frozenset()
    """The stems of the words that may govern the figure ("killed 14", "was sworn in as
    mayor June 11"): the content words among the three words before it in its clause."""

    def aligns(self, other: Figure) -> bool:
        """Whether the two could be figures for the same measure."""
        if self.kind != other.kind:
            return False
        if self.kind in ("percent", "year"):
            return True
        if self.kind == "age":  # a 9-year-old girl and a 36-year-old man are two people
            return not (self.unit and other.unit) or bool(self.unit & other.unit)
        return bool(self.unit & other.unit)

    def conflicts(self, other: Figure) -> bool:
        """Different values that no reading of the bounds reconciles."""
        if abs(self.value - other.value) < max(self.step, other.step):
            return False
        if "+" in (self.bound, other.bound):
            return False  # "another 150,000 workers" adds to a total, it does not state one
        low, high = sorted((self, other), key=lambda f: f.value)
        return not (low.bound == ">=" or high.bound == "<=")


def figures(text: str) -> list[Figure]:
    """The figures of a sentence, with their kind and unit (see the module rule)."""
    found = []
    lowered = text.lower()
    for match in _FIGURE.finditer(text):
        number = match.group("number").lower()
        if number in _NUMBER_WORDS and (
            match.group("currency") or match.group("percent") or _compound(lowered, match)
        ):
            continue
        value, step = _value(match)
        before = lowered[max(0, match.start() - 30) : match.start()]
        if _RANGE_BEFORE.search(before) or _RANGE_AFTER.match(lowered, match.end()):
            continue  # an end of a range ("170 to 190 pounds") is no figure of its own
        if _RATIO_BEFORE.search(before) or _RATIO_AFTER.match(lowered, match.end()):
            continue  # a term of a rate ("one in 10 children", "5 of every 10,000")
        after = _words_after(lowered, match.end(), 4)
        kind, unit = _kind(match, number, before, after)
        if kind is None:
            continue
        start = match.start()
        bound = "="
        for phrase in _LOWER | _UPPER:
            if before.rstrip().endswith(phrase):
                bound = ">=" if phrase in _LOWER else "<="
                start -= len(before) - before.rstrip().rfind(phrase)
                break
        if _INCREMENT_BEFORE.search(before) or (after and after[0] in _INCREMENT_AFTER):
            bound = "+"
        written = text[start : match.end()].strip()
        lead = _lead(lowered[max(0, start - 60) : start])
        found.append(Figure(written, value, kind, unit, bound, start, match.end(), step, lead))
    return found


def _value(match: re.Match[str]) -> tuple[float, float]:
    """A matched number's value and the value of its last written digit."""
    number = match.group("number").lower()
    scale = _SCALE.get((match.group("scale") or "").strip().lower(), 1.0)
    if number in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[number]) * scale, scale
    decimals = len(number.partition(".")[2])
    return float(number.replace(",", "")) * scale, scale * 10.0**-decimals


def _values(text: str) -> set[float]:
    """Every number of the sentence, figure or not ("killed 7 in Tarnby")."""
    return {_value(match)[0] for match in _FIGURE.finditer(text)}


def _lead(before: str) -> frozenset[str]:
    """The stems of the content words among the three words before a figure in its own clause
    ("neighbourhoods, about 85%" has none); a time ("June", "today") governs nothing."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    clause = _CLAUSE_END.split(before)[-1]
    words = [w for w in _WORD.findall(clause) if w not in _TIMES and w not in _NOW][-3:]
    return frozenset(
        stem_word(w) for w in words if w not in ENGLISH_STOP_WORDS and w not in _SKIP and len(w) > 2
    )


_NOW = {"today", "now", "yesterday"}
_CLAUSE_END = re.compile(r"[;:()\[\]\"“”]|,(?!\d)|\s[-–—]{1,2}\s|--")
"""Where a figure's clause ends: punctuation between phrases (not a thousands separator)."""


_PHRASE_END = re.compile(rf"{_CLAUSE_END.pattern}|\s(?:and|but|while|whereas)\s")
"""Where a figure's own phrase ends: its clause, or a coordinated one ("killed 10 people and
wounded 70 others": 70 is another measure, not the scope of the 10)."""


def clause(text: str, figure: Figure, ends: re.Pattern[str] = _CLAUSE_END) -> tuple[int, int]:
    """Where the clause of a figure starts and ends: between the punctuation around it."""
    starts = [m.end() for m in ends.finditer(text, 0, figure.start)]
    after = ends.search(text, figure.end)
    return (starts[-1] if starts else 0), (after.start() if after else len(text))


def _compound(lowered: str, match: re.Match[str]) -> bool:
    """Whether a number word is part of a longer number ("one hundred and three",
    "twenty-five"), which is not read."""
    before = re.findall(r"[a-z0-9]+", lowered[max(0, match.start() - 20) : match.start()])[-2:]
    after = re.findall(r"[a-z0-9]+", lowered[match.end() : match.end() + 20])[:1]
    if before and before[-1] == "and":
        before = before[:-1]
    near = [*before[-1:], *after]
    return lowered[match.end() : match.end() + 1] == "-" or any(
        w in _NUMBER_WORDS or w in _SCALE or w == "one" or w.isdigit() for w in near
    )


def _words_after(lowered: str, end: int, count: int) -> list[str]:
    """The words after the figure, up to the end of its phrase ("90 kilometers (55 miles)"
    counts kilometers only)."""
    phrase = re.split(r"[,;:()\[\]\"“”]|\.(?!\d)", lowered[end : end + 80], maxsplit=1)[0]
    return _WORD.findall(phrase)[:count]


def _kind(
    match: re.Match[str], number: str, before: str, after: list[str]
) -> tuple[str | None, frozenset[str]]:
    """The figure's kind and unit, or ``None`` for what is not a figure (a name's number)."""
    if match.group("percent"):
        return "percent", frozenset()
    if match.group("age") or re.search(r"\b(aged?)\s*$", before):
        return "age", frozenset(stem_word(h) for h in _head(after))  # whose: "girl", "man"
    currency = (match.group("currency") or "").strip()
    if not currency and after and after[0] in _CURRENCY:
        currency = after[0]
    if currency:
        return "money", frozenset({_CURRENCY[currency]})
    month = (before.split() or [""])[-1].strip(".,")
    if month not in _MONTHS and after and after[0] in _MONTHS:
        month = after[0]
    if month in _MONTHS and month != "may" and number.isdigit():  # "may" is mostly a verb
        return ("day", frozenset({month[:3]})) if int(number) <= 31 else ("year", frozenset())
    if number.isdigit() and len(number) == 4 and 1800 <= int(number) <= 2100:
        return "year", frozenset()
    head = _head(after)
    if not head:
        return None, frozenset()
    times = {h for h in head if h.rstrip("s") in _TIME_UNITS or stem_word(h) in _TIME_UNITS}
    if times:
        return "duration", frozenset(stem_word(t.rstrip("s")) for t in times)
    return "count", frozenset(stem_word(h) for h in head)


def _head(after: list[str]) -> list[str]:
    """What a count counts: the first two words after it that are not filler ("more than")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    head = []
    for word in after:
        if word in _SKIP and not head:
            continue
        if word in ENGLISH_STOP_WORDS or len(word) < 2:
            break
        head.append(word)
        if len(head) == 2:
            break
    return head


_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WHEN = re.compile(
    rf"\b(?:(?:on|by|since|as of|until) )?(?:{_WEEKDAY}(?: (?:morning|afternoon|evening|night))?"
    rf"|(?:{'|'.join(_MONTHS)})\.? \d{{1,2}}(?:, \d{{4}})?|\d{{1,2}} (?:{'|'.join(_MONTHS)})\b"
    r"|yesterday|today|last night|in the (?:last|past) \d+ (?:hours|days)"
    r"|(?:last|this|next) (?:year|month|week))\b",
    re.IGNORECASE,
)


def when(text: str) -> str | None:
    """The time a sentence gives for its fact ("on Friday", "December 9"), if any."""
    match = _WHEN.search(text)
    return match.group().strip() if match else None


@dataclass(frozen=True)
class _Node:
    """One figure of one sentence (``figure`` is ``None`` for a denial's side)."""

    row: int
    figure: Figure | None


class DisagreementFinder:
    """Finds what the cluster's independent sources state differently (the module's rule).

    ``threshold``/``min_shared``: a close statement (cosine, and Dice of content words with
    the figures left out, also of the ``context_words`` words either side of each figure).
    ``paraphrases``: also accept sentences on one topic (``topic_threshold``) whose figures'
    own phrases state the same thing (``context_threshold``, and the module's rule); off by
    default, as on 686 dev clusters it adds one item to the default's eight: too little to
    measure it (``docs/disagreements.md``).
    ``denials``: also list a close statement that one source denies; off by default, as on
    dev clusters every one it listed was about something else (``docs/disagreements.md``).

    Example (``document``: a split and embedded cluster)::

        items = DisagreementFinder().find(document, embedder.encode)
        items[0].variants  # one sentence per source, each with its figure
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "threshold": _COSINE,
        "min_shared": Interval(0, 1),
        "topic_threshold": _COSINE,
        "context_threshold": _COSINE,
        "context_words": Interval(1, integer=True),
        "paraphrases": Flag(),
        "denials": Flag(),
    }

    def __init__(
        self,
        threshold: float = 0.7,
        min_shared: float = 0.5,
        topic_threshold: float = 0.45,
        context_threshold: float = 0.7,
        context_words: int = 6,
        paraphrases: bool = False,
        denials: bool = False,
    ) -> None:
        self.threshold = threshold
        self.min_shared = min_shared
        self.topic_threshold = topic_threshold
        self.context_threshold = context_threshold
        self.context_words = context_words
        self.paraphrases = paraphrases
        self.denials = denials
        check_params(self, "disagree")

    def find(
        self,
        document: Document,
        encode: Callable[[list[str]], np.ndarray],
        shown: set[tuple[int, int]] = frozenset(),
    ) -> list[Disagreement]:
        """The disagreements of the cluster, most salient first: those on a fact the briefing
        states (a sentence in ``shown``, by ``sentence_key``), then those more sources share."""
        sentences = document.sentences
        if len(sentences) < 2:
            return []
        sources = np.array([document.source(s.article) for s in sentences])
        similarity = document.embeddings @ document.embeddings.T
        found = [figures(s.text) for s in sentences]
        known = _names_of(s.text for s in sentences)
        # only pairs that could disagree: both with figures, or one denying (cheap to rule out)
        counted = np.array([bool(f) for f in found])
        low = self.topic_threshold if self.paraphrases else self.threshold
        pairs = (similarity >= low) & counted[:, None] & counted[None, :]
        if self.denials:
            denied = np.array([_negated(s.text) for s in sentences])
            pairs |= (similarity >= self.threshold) & (denied[:, None] != denied[None, :])
        pairs = np.triu(pairs, k=1) & (sources[:, None] != sources[None, :])
        edges: list[tuple[_Node, _Node]] = []
        loose: list[tuple[_Node, _Node]] = []
        for i, j in zip(*np.nonzero(pairs), strict=True):
            i, j = int(i), int(j)
            a, b = sentences[i].text, sentences[j].text
            close = similarity[i, j] >= self.threshold and (
                _shared(a, b, found[i], found[j]) >= self.min_shared
            )
            conflict = _conflict(found[i], found[j], a, b)
            if conflict is not None:
                pair = (_Node(i, conflict[0]), _Node(j, conflict[1]))
                window_a, window_b = self._context(a, conflict[0]), self._context(b, conflict[1])
                if not (_names_agree(a, conflict[0], window_a, b, known)
                        and _names_agree(b, conflict[1], window_b, a, known)):  # fmt: skip
                    continue  # another place, party or event ("in Corrin Bay")
                near = _dice(_plain_words(window_a), _plain_words(window_b))
                if close and near >= self.min_shared:
                    edges.append(pair)
                elif (
                    self.paraphrases
                    and conflict[0].kind in _PARAPHRASED
                    and _same_phrase(a, conflict[0], b, conflict[1], self.min_shared, known)
                ):
                    loose.append(pair)
            elif (
                self.denials
                and close
                and _negated(a) != _negated(b)
                and not _any_conflict(found[i], found[j])
            ):
                edges.append((_Node(i, None), _Node(j, None)))
        edges += self._close_phrases(loose, sentences, encode)
        items = [
            item
            for nodes in _components(edges)
            if (item := self._item(nodes, document, sources, shown)) is not None
        ]
        items.sort(key=lambda d: (not d.in_briefing, -len(d.variants)))
        return items

    def _close_phrases(
        self,
        pairs: list[tuple[_Node, _Node]],
        sentences: list[Sentence],
        encode: Callable[[list[str]], np.ndarray],
    ) -> list[tuple[_Node, _Node]]:
        """The pairs whose figures' own phrases say the same thing (a paraphrase)."""
        if not pairs:
            return []
        nodes = sorted({n for pair in pairs for n in pair}, key=lambda n: (n.row, n.figure.start))
        texts = [_phrase(sentences[n.row].text, n.figure) for n in nodes]
        vectors = encode(texts)
        place = {n: k for k, n in enumerate(nodes)}
        return [
            (a, b)
            for a, b in pairs
            if float(vectors[place[a]] @ vectors[place[b]]) >= self.context_threshold
        ]

    def _context(self, text: str, figure: Figure) -> str:
        """The ``context_words`` words either side of the figure, the figure left out."""
        before = text[: figure.start].split()[-self.context_words :]
        after = text[figure.end :].split()[: self.context_words]
        return " ".join([*before, *after])

    def _item(
        self,
        nodes: list[_Node],
        document: Document,
        sources: np.ndarray,
        shown: set[tuple[int, int]],
    ) -> Disagreement | None:
        """One item: one variant per source (its original's sentence, else the briefing's,
        else the earliest), kept when two sources or more give different versions."""
        sentences = document.sentences

        def preference(node: _Node) -> tuple:
            sentence = sentences[node.row]
            copied = sentence.article != sources[node.row]
            return (copied, sentence_key(sentence) not in shown, sentence.position, node.row)

        chosen: dict[int, _Node] = {}
        for node in sorted(nodes, key=preference):
            chosen.setdefault(int(sources[node.row]), node)
        picked = sorted(chosen.values(), key=lambda n: (preference(n)[1], n.row))
        versions = {_version(sentences[n.row].text, n.figure) for n in picked}
        if len(picked) < 2 or len(versions) < 2:
            return None
        first = picked[0]
        text = sentences[first.row].text
        about = _about(text, first.figure)
        variants = tuple(
            Variant(
                text=sentences[n.row].text,
                article=sentences[n.row].article,
                position=sentences[n.row].position,
                figure=n.figure.text if n.figure is not None else _stance(sentences[n.row].text),
                when=when(sentences[n.row].text),
            )
            for n in picked
        )
        in_briefing = any(sentence_key(sentences[n.row]) in shown for n in picked)
        return Disagreement(about=about, variants=variants, in_briefing=in_briefing)


def _about(text: str, figure: Figure | None, reach: int = 12) -> str:
    """What is disputed, for the reader: the sentence with the figure written "[…]", cut to
    ``reach`` words either side of it; a denial's whole claim."""
    if figure is None:
        return text
    before = text[: figure.start].split()
    after = text[figure.end :].split()
    return " ".join(
        [
            *(["…"] if len(before) > reach else []),
            *before[-reach:],
            "[…]" + (after.pop(0) if after and not after[0][:1].isalnum() else ""),
            *after[:reach],
            *(["…"] if len(after) > reach else []),
        ]
    )


class IgnoreDisagreements:
    """``disagree=off``: no "Sources differ" section and no ``disagreements`` in the record."""

    def find(
        self,
        document: Document,
        encode: Callable[[list[str]], np.ndarray],
        shown: set[tuple[int, int]] = frozenset(),
    ) -> None:
        return None


_PARAPHRASED = {"percent", "count", "money", "age"}
"""Kinds a paraphrase may be matched on by its phrase; years, days and durations are too
often background ("since 2012", "on Friday") and must come in a close statement."""


def disputed(text: str, other: str) -> tuple[Figure, Figure] | None:
    """The two figures by which two statements of one fact disagree (the module's figure
    rules, not yet whether the sentences state the same fact), or ``None``."""
    return _conflict(figures(text), figures(other), text, other)


def _conflict(
    mine: list[Figure], theirs: list[Figure], text: str, other: str
) -> tuple[Figure, Figure] | None:
    """The pair of figures for one measure with irreconcilable values, or ``None``; also
    ``None`` when several pairs conflict (the sentences differ in more than one figure, "212
    drivers since 2004" and "30 drivers since 2011": another scope, not another count).

    Neither value may appear among the other sentence's numbers (then the two merely share a
    number); what a count counts must be in both sentences (a currency or a time unit is
    matched by ``Figure.aligns``: "$" is not a word); the words that govern the figures, when
    both have one, must be the same ("destroys 3 million", "damages 300 million"); and the
    sentences must name the same years, but for the disputed one ("40 accidents in the 2003-2004
    season" is not "24 accidents this year").
    """
    found = [(f, g) for f in mine for g in theirs if f.aligns(g) and f.conflicts(g)]
    if not found:  # most pairs of sentences: cheap to rule out
        return None
    words, other_words = content_words(text), content_words(other)
    values, other_values = _values(text), _values(other)
    found = [
        (f, g)
        for f, g in found
        if f.value not in other_values
        and g.value not in values
        and (f.kind != "count" or (f.unit <= other_words and g.unit <= words))
    ]
    if len(found) != 1:
        return None
    f, g = found[0]
    if f.kind in ("day", "year"):
        # before a date stand mostly a place or a preposition ("in the north of the valley in
        # February 1943"), not what it dates; but a date with nothing before it (a timeline's
        # "June 26 -- relatives file") is not that of "denied on June 23"
        if bool(f.lead) != bool(g.lead):
            return None
    elif f.lead and g.lead and not f.lead & g.lead:
        return None
    if _unshared_beside(text, f, other_values) or _unshared_beside(other, g, values):
        return None
    if not (_said_after(text, f) <= other_words or _said_after(other, g) <= words):
        return None  # "were arrested in the latest sweep", "are among the arrested members"
    if _negative(text, f) != _negative(other, g):
        return None  # "70 percent did not want a vote" is not "60 percent want one"
    if _referents(text) != _referents(other):
        return None  # "that explosion" and "those explosions": which ones, each article knows
    years, other_years = set(_YEAR.findall(text)), set(_YEAR.findall(other))
    if f.kind == "year":
        return (f, g) if years - {f.text[-4:]} == other_years - {g.text[-4:]} else None
    return (f, g) if years == other_years else None


_NOT = re.compile(r"\b(?:not|no|never|none|nor|cannot)\b|n't\b", re.IGNORECASE)


def _negative(text: str, figure: Figure) -> bool:
    """Whether the sentence of the figure is negated ("did not want", "never"), the figure's
    own bound ("no more than") aside: the whole sentence, as a comma moves a clause's end."""
    return bool(_NOT.search(text, 0, figure.start) or _NOT.search(text, figure.end))


_DEMONSTRATIVE = re.compile(r"\b(?:this|these|those)\s+([a-z]+)|^that\s+([a-z]+)", re.IGNORECASE)


def _referents(text: str) -> set[str]:
    """What a sentence points back to ("those explosions", "this plant"): something its own
    article said before, which another article's sentence cannot be known to share."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    found = set()
    for match in _DEMONSTRATIVE.finditer(text):
        noun = (match.group(1) or match.group(2)).lower()
        if noun not in ENGLISH_STOP_WORDS and noun not in _TIMES and noun not in _TIME_WORDS:
            found.add(match.group().lower())
    return found


_TIME_WORDS = {*_TIME_UNITS, *(f"{u}s" for u in _TIME_UNITS), "morning", "evening", "time"}


def _said_after(text: str, figure: Figure) -> frozenset[str]:
    """What the figure's phrase says after it: what it counts, what happened, where; its time
    aside (a count "as of" another day is listed with its day)."""
    said = _WHEN.sub(" ", text[figure.end : clause(text, figure, _PHRASE_END)[1]])
    return _plain_words(said) - _TIME_STEMS


def _phrase(text: str, figure: Figure) -> str:
    """The figure's own phrase, the figure left out: what it states ("Kestrel County has
    some 350,000 registered voters, and officials expect a record turnout" states "Kestrel
    County has registered voters")."""
    start, end = clause(text, figure, _PHRASE_END)
    return f"{text[start : figure.start]} {text[figure.end : end]}".strip()


def _same_phrase(
    a: str, fa: Figure, b: str, fb: Figure, min_shared: float, known: frozenset[str]
) -> bool:
    """Whether two figures' own phrases could state one fact in other sentences: ``min_shared``
    of their content words in common, a name other than what is counted ("Kestrel County has
    350,000 registered voters", not "the blast injured 30 people") and the same time, if any."""
    phrase_a, phrase_b = _phrase(a, fa), _phrase(b, fb)
    names = _names(a, *clause(a, fa, _PHRASE_END), known)
    names |= _names(b, *clause(b, fb, _PHRASE_END), known)
    return (
        _dice(_plain_words(phrase_a), _plain_words(phrase_b)) >= min_shared
        and any(stem_word(n) not in fa.unit | fb.unit for n in names)
        and when(phrase_a) == when(phrase_b)
    )


def _unshared_beside(text: str, figure: Figure, other_values: set[float]) -> bool:
    """Whether the figure's own phrase holds another number that the other sentence lacks:
    a base ("36 of 72,000 people"), a period ("over the next 10 years"), a second count
    ("in 150 settlements"): it measures within another scope than the other's figure."""
    start, end = clause(text, figure, _PHRASE_END)
    return any(
        _value(match)[0] not in other_values
        for match in _FIGURE.finditer(text, start, end)
        if not figure.start <= match.start() < figure.end
    )


_TIMES = {*_MONTHS, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
"""Capitalised, but times, not names: a count "as of" another day is listed with its day."""
_TIME_STEMS = frozenset(stem_word(w) for w in _TIMES | _NOW)


def _names_agree(text: str, figure: Figure, window: str, other: str, known: frozenset[str]) -> bool:
    """Whether every name of the figure's window and of the rest of its clause (what
    qualifies it: where, of what) is a word of the other sentence: "of America's
    electricity" is not "in Iowa", "workers at its plants in Harlow and Corrin" not "at its
    plant in Harlow"."""
    words = set(re.findall(r"[a-z]+", other.lower()))
    end = clause(text, figure)[1]
    names = _names(text, figure.end, end, known) | _names(window, 0, len(window), known)
    return names <= words


def _names_of(texts: Iterable[str]) -> frozenset[str]:
    """The cluster's names: words it writes capitalised where they do not open a sentence
    (so that "Kestrel County has ..." names Kestrel), but for times and stop words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    found = {m.group().lower() for t in texts for m in re.finditer(r"(?<=\s)[A-Z][a-z]+", t)}
    return frozenset(found - _TIMES - ENGLISH_STOP_WORDS)


def _names(text: str, start: int, end: int, known: frozenset[str]) -> set[str]:
    """The names (of ``known``) a stretch of text writes capitalised."""
    return {w.lower() for w in re.findall(r"\b[A-Z][a-z]+", text[start:end])} & known


def _any_conflict(mine: list[Figure], theirs: list[Figure]) -> bool:
    return any(f.aligns(g) and f.conflicts(g) for f in mine for g in theirs)


def _without_figures(text: str, found: list[Figure]) -> str:
    for figure in sorted(found, key=lambda f: f.start, reverse=True):
        text = text[: figure.start] + " " + text[figure.end :]
    return text


def _shared(a: str, b: str, figures_a: list[Figure], figures_b: list[Figure]) -> float:
    """Dice coefficient of the two sentences' content words, their figures left out."""
    return _dice(
        _plain_words(_without_figures(a, figures_a)), _plain_words(_without_figures(b, figures_b))
    )


def _dice(words_a: frozenset[str], words_b: frozenset[str]) -> float:
    total = len(words_a) + len(words_b)
    return 2 * len(words_a & words_b) / total if total else 0.0


def _plain_words(text: str) -> frozenset[str]:
    """Content words without digits or negations: what two versions of a fact share."""
    return (
        frozenset(w for w in content_words(text) if not any(c.isdigit() for c in w))
        - _NEGATION_STEMS
    )


_NEGATION_STEMS = frozenset({"deni", "deny", "dismiss", "reject", "claim", "fals", "untru"})


def _negated(text: str) -> bool:
    return bool(_DENIAL.search(text))


def _stance(text: str) -> str:
    return "denies" if _negated(text) else "states"


def _version(text: str, figure: Figure | None) -> tuple:
    """What a variant says: its figure's value and bound, or for a denial its stance."""
    if figure is None:
        return ("stance", _negated(text))
    return (figure.kind, figure.value, figure.bound)


def _components(edges: list[tuple[_Node, _Node]]) -> list[list[_Node]]:
    """The nodes linked by ``edges``, in groups, in order of their first row."""
    nodes = sorted({n for edge in edges for n in edge}, key=lambda n: (n.row, _start(n)))
    if not nodes:
        return []
    place = {n: k for k, n in enumerate(nodes)}
    rows = [place[a] for a, _ in edges]
    cols = [place[b] for _, b in edges]
    graph = csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[_Node]] = {}
    for node, label in zip(nodes, labels, strict=True):
        groups.setdefault(int(label), []).append(node)
    return list(groups.values())


def _start(node: _Node) -> int:
    return node.figure.start if node.figure is not None else -1
