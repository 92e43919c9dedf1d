"""Which sentences cannot stand on their own in a briefing, and which cannot open one.

An extract loses the sentence before it. A sentence that opens with a pronoun or a connective
("She called...", "But there was...") or that is a quotation nobody is credited with reads as
nonsense without its neighbour, so it is not a candidate. A credited quotation, or a sentence
that uses the short form of a name ("the Observatory") before the full name has appeared, can
be in a briefing but not first. The checks are cheap surface patterns: they look at the first
word, the quotation marks and capitalised words, never at a parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from summarize.data import Candidates, sentence_key

__all__ = [
    "antecedent",
    "can_lead",
    "introduced_names",
    "needs_context",
    "orphans",
    "short_names",
    "unresolved_short_names",
]

_TIME_WORDS = (
    r"week|weekend|year|month|morning|afternoon|evening|night|summer|winter|spring|fall|autumn|"
    r"season|decade|century|day|time|past|latest|new|month's|year's|week's"
)
# "He said...", "They have...", "But...", "It's..."; not "This week, ..." nor "That's why"
_DANGLING_START = re.compile(
    r"^\W*(?:he|she|they|them|it|its|it['’]s|his|her|hers|their|theirs|him|we|us|our|i|"
    r"this|that|these|those|such|but|and|or|yet|so|also|however|still|instead|meanwhile|"
    r"nevertheless|nonetheless|moreover|furthermore|besides|therefore|thus|then|otherwise)"
    r"\b(?!\s+(?:" + _TIME_WORDS + r")\b)",
    re.IGNORECASE,
)
_QUOTE_START = re.compile(r"^\s*(?:[\"“‘«]|``|''|'(?=\w))")
# The end of a quotation begun in an earlier sentence: the first double quotation mark closes
# ("Nothing has changed," the official said.).
_QUOTE_TAIL = re.compile(r"^(?:(?!``|'')[^“”\"«»])*(?:”|»|(?<=\S)\"|(?<=\S)'')")
# Spans in double quotation marks, of any of the usual typographies (newswire writes ``..''
# and sometimes ''..'').
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?|(?:``|'').*?(?:''|$)|«[^»]*»?")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according|asked|asks|added|adds|wrote|writes|tweeted|"
    r"posted|explained|explains|warned|warns|recalled|recalls|noted|notes|stated|states|"
    r"insisted|argued|argues|announced|declared|replied|quoted|continued|responded)\b",
    re.IGNORECASE,
)
# '..., he said': credited, but to someone the reader has not met.
_PRONOUN_ATTRIBUTION = re.compile(
    r"\b(?:he|she|they)\s+(?:\w+\s+)?(?:said|says|told|added|wrote|asked|explained|warned)\b|"
    r"\b(?:said|says|added|asked)\s+(?:he|she|they)\b",
    re.IGNORECASE,
)
# "the Observatory", "the Post": one capitalised word after "the", not followed by another.
_SHORT_NAME = re.compile(
    r"\b[Tt]he ([A-Z][a-z]{2,})\b(?!\s+(?:[A-Z]|(?:of|for)\s+(?:the\s+)?[A-Z]))"
)


def needs_context(text: str) -> bool:
    """True for a sentence that only makes sense after the one it followed in its article."""
    if _QUOTE_TAIL.match(text):
        return True
    if _QUOTE_START.match(text):
        outside = _QUOTED.sub(" ", text)
        return not _ATTRIBUTION.search(outside) or bool(_PRONOUN_ATTRIBUTION.search(outside))
    return bool(_DANGLING_START.match(text))


def orphans(candidates: Candidates, chosen: list[int]) -> list[int]:
    """Chosen sentences that cannot stand where they are in this choice.

    A sentence that needs context stays only with an earlier chosen sentence of its article:
    that is where the subject of "He said..." was named, and the orderer puts it right after.
    A piece of a quotation (an uncredited one, or the end of one begun before) needs the very
    sentence it followed: after any other, it would read as somebody else's words. A sentence
    that uses a short name ("the Agency") stays only when some chosen sentence gives the name
    in full. A sentence that announces what follows ("The board urges automakers to:") never
    stays: what it announces is a list, which a briefing of sentences does not carry.
    """
    texts = [candidates.sentences[i].text for i in chosen]
    names = short_names(s.text for s in candidates.document.sentences)
    introduced = set().union(*(introduced_names(t, names) for t in texts)) if names else set()
    chosen_keys = {sentence_key(candidates.sentences[i]) for i in chosen}
    before = _preceding(candidates)
    earliest: dict[int, int] = {}
    for article, position in chosen_keys:
        earliest[article] = min(earliest.get(article, position), position)
    dangling = []
    for index, text in zip(chosen, texts, strict=True):
        article, position = key = sentence_key(candidates.sentences[index])
        needs = candidates.needs_context is not None and candidates.needs_context[index]
        if _is_quotation(text):
            unsupported = before.get(key) not in chosen_keys
        else:
            unsupported = earliest[article] == position
        if (
            (needs and unsupported)
            or announces_what_follows(text)
            or unresolved_short_names(text, names, introduced)
        ):
            dangling.append(index)
    return dangling


def announces_what_follows(text: str) -> bool:
    """Ends on a colon: "Here are the milestones:" says nothing without what came next."""
    return text.rstrip().endswith(":")


def _is_quotation(text: str) -> bool:
    return bool(_QUOTE_START.match(text) or _QUOTE_TAIL.match(text))


def _preceding(candidates: Candidates) -> dict[tuple[int, int], tuple[int, int]]:
    """Each sentence's key -> the key of the sentence before it in its article, if split out."""
    keys = sorted(sentence_key(s) for s in candidates.document.sentences)
    return {key: prev for prev, key in pairwise(keys) if prev[0] == key[0]}


def antecedent(candidates: Candidates, chosen: list[int], index: int) -> int | None:
    """The chosen sentence of the same article closest before ``index`` in the article."""
    sentence = candidates.sentences[index]
    before = [
        j
        for j in chosen
        if candidates.sentences[j].article == sentence.article
        and candidates.sentences[j].position < sentence.position
    ]
    return max(before, key=lambda j: candidates.sentences[j].position) if before else None


def can_lead(text: str) -> bool:
    """A briefing should open on a statement of the event, not on a quotation."""
    return not needs_context(text) and not _QUOTE_START.match(text)


def short_names(texts: Iterable[str]) -> set[str]:
    """Words the cluster uses inside a longer name ("Syrian Observatory for Human Rights").

    "the Observatory" on its own then refers back to that name, and needs it introduced first.
    """
    return set(_short_names(tuple(texts)))


@lru_cache(maxsize=4)
def _short_names(texts: tuple[str, ...]) -> frozenset[str]:
    """``short_names`` of a whole cluster, asked again for every round of selection and by the
    orderer: it reads every sentence for every name, so it is kept for the last few clusters."""
    used = {m.group(1) for text in texts for m in _SHORT_NAME.finditer(text)}
    return frozenset(word for word in used if any(_introduces(text, word) for text in texts))


def unresolved_short_names(text: str, names: set[str], introduced: set[str]) -> set[str]:
    """Short names the sentence uses whose full form is neither in it nor ``introduced``."""
    used = {m.group(1) for m in _SHORT_NAME.finditer(text)} & names
    return {word for word in used - introduced if not _introduces(text, word)}


def introduced_names(text: str, names: set[str]) -> set[str]:
    """The names among ``names`` that this sentence gives in full."""
    return {word for word in names if _introduces(text, word)}


def _introduces(text: str, word: str) -> bool:
    return bool(_full_name(word).search(text))


@lru_cache(maxsize=1024)
def _full_name(word: str) -> re.Pattern[str]:
    """The short name inside a longer one: "Syrian Observatory", "Observatory for Human"."""
    return re.compile(
        r"\b(?!The\b)[A-Z][\w'’.-]*\s+"
        + re.escape(word)
        + r"\b|\b"
        + re.escape(word)
        + r"\s+(?:of|for)\s+(?:the\s+)?[A-Z]"
    )
