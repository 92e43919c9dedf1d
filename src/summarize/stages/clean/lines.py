"""Tests on one line of text that the rules share: does it end a sentence, is it a teaser for
another story, only links, only share buttons, a flattened sign-up form; and its dateline
removed, its comparison key.
"""

from __future__ import annotations

import re

from summarize.stages.clean.patterns import (
    CONTACT,
    DATELINE_AGENCY,
    DATELINE_CAPS,
    DATELINE_COLON,
    DOT_WORD,
    HAS_LETTER,
    PROMPT_ANYWHERE,
    PROMPT_START,
    SHARE_WORDS,
    TEASER_LABEL,
    URL,
)

_TERMINAL = ".!?:;"
_TEASER_BULLETS = ("►", "▶", "»")
_CLOSERS = "\"'”’»)]"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD_THEN_STOP = re.compile(r"[a-z]{2}[.!?]\s")  # a sentence's end, not "U.S. Department"


def strip_dateline(text: str) -> str:
    """The paragraph without its opening dateline ("ALEPPO, Syria (Reuters) - ")."""
    for rx in (DATELINE_AGENCY, DATELINE_CAPS, DATELINE_COLON):
        match = rx.match(text)
        if match:
            head = text[: match.end()]
            if rx is DATELINE_AGENCY and not (
                _first_word_caps(head) or "," in head or head[0] == "("
            ):
                continue
            return text[match.end() :]
    return text


def _first_word_caps(text: str) -> bool:
    first = text.split()[0] if text.split() else ""
    letters = [c for c in first if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def ends_sentence(text: str) -> bool:
    """Ends like a sentence (closing quotes aside): what separates story text from labels."""
    stripped = text.rstrip(_CLOSERS + " ")
    if stripped.endswith(("...", "…")):
        return not _is_teaser_cut(stripped)
    if stripped.endswith(("--", "—", "–")):
        return True
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_teaser_cut(text: str) -> bool:
    """A headline cut short by the site ("Seven Things To Know About The...") rather than
    a sentence trailing off in a quote: short, or mostly capitalised words."""
    words = text.split()
    if len(words) <= 6:
        return True
    capitalised = sum(w[:1].isupper() for w in words if w[:1].isalpha())
    return capitalised >= 0.6 * len(words)


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def is_share_bar(text: str) -> bool:
    """Only share buttons, counts and media labels: "Share Tweet Email 12 Comments"."""
    return not HAS_LETTER.search(SHARE_WORDS.sub("", text))


def is_link_only(text: str) -> bool:
    """A URL or e-mail address with at most three other words around it."""
    if not (URL.search(text) or _has_email(text)):
        return False
    return len(_strip_emails(URL.sub("", text))) <= 3


def is_labelled_link(text: str) -> bool:
    """A label and a link, as in the resource lists wire stories end with: "U.S. Department
    of Housing and Urban Development: www.hud.gov"."""
    label, colon, link = text.partition(": ")
    one_label = not _WORD_THEN_STOP.search(label)  # not a sentence, then a label
    return bool(colon) and one_label and len(link.split()) == 1 and is_link_only(link)


def is_contact(text: str) -> bool:
    """How to reach the writer or an office: an e-mail address, "(at)" spelled out or not, or
    "can be reached at"."""
    return bool(CONTACT.search(text)) or _has_email(text)


def _has_email(text: str) -> bool:
    return _strip_emails(text) != text.split()


def _strip_emails(text: str) -> list[str]:
    """The words of ``text`` with each e-mail address removed, in linear time: in a token, the
    address runs from its start to the end of the last ".word" at least two characters after
    its first "@" (which cannot be its first character); what follows stays."""
    words = []
    for token in text.split():
        at = token.find("@", 1)
        last = None
        if at > 0:
            for last in DOT_WORD.finditer(token, at + 2):  # noqa: B007 - keeps the last one
                pass
        rest = token[last.end() :] if last is not None else token
        if rest:
            words.append(rest)
    return words


def is_teaser(text: str) -> bool:
    """Inline pointers to other stories: "[Some headline]", "(PHOTOS: ...)", "MORE: ..."."""
    words = len(text.split())
    if words > 30:
        return False
    if (text[0] == "[" and text[-1] == "]") or text.startswith(_TEASER_BULLETS):
        return True
    match = TEASER_LABEL.match(text)
    if match:
        rest = text[match.end() :]
        return bool(rest) and (text[0] == "(" or teaser_like(rest))
    return False


def teaser_like(text: str) -> bool:
    """Reads like a headline of another story: no sentence ending, a teaser bullet, or a
    short question."""
    words = len(text.split())
    if words > 30:
        return False
    if not ends_sentence(text) or text.startswith(_TEASER_BULLETS):
        return True
    return words <= 15 and text.rstrip(_CLOSERS).endswith("?")


def comparison_key(text: str) -> str:
    """Case and spacing folded, to compare paragraphs with each other and with the title."""
    return " ".join(text.casefold().split())


def is_sign_up_form(text: str) -> bool:
    """A sign-up form flattened into one long line ("Newsletter Sign Up ... Invalid email
    address. ... Thank you for subscribing. ..."): it opens with a prompt, and at least three
    of its sentences are prompts. A story paragraph that mentions signing up does not open
    with one, however long it is."""
    if not PROMPT_START.match(text):
        return False
    sentences = _SENTENCE_END.split(text)
    prompts = sum(1 for s in sentences if PROMPT_START.match(s) or PROMPT_ANYWHERE.search(s))
    return prompts >= 3
