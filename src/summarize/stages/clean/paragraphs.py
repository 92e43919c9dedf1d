"""Text to paragraphs: the ``Paragraph`` record the cleaner classifies, and how plain text,
Markdown and extracted HTML text are cut into paragraphs with their markup removed.

Scrapes put one paragraph per line, often without blank lines, and wrap some; Markdown wraps
lines inside blank-line separated blocks. Either way the result is one ``Paragraph`` per
paragraph, its text plain and on one line, with whether it was a list item or a heading.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """What a paragraph is. STORY and LIST are kept; HEADLINE only when headline lines are."""

    STORY = "story"
    LIST = "list"  # short lines after "... included:"
    HEADLINE = "headline"  # short, no sentence ending: a title or subheading
    BOILER = "boiler"  # debris: prompts, bylines, share bars, repeats
    CAPTION = "caption"  # picture captions and photo credits
    RELATED = "related"  # "Related" headings and teasers for other stories
    TAIL = "tail"  # the block of teasers a page ends with


@dataclass
class Paragraph:
    """One paragraph and what the cleaner has decided it is so far."""

    text: str
    kind: Kind = Kind.STORY
    bullet: bool = False
    heading: bool = False
    marker: bool = False
    """A line after which the article often stops: prompts, related headings."""


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\n]+")

# Linear-time patterns, as every one in patterns.py (see there).
_MD_URL = r"\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _MD_URL)
_MD_LINK = re.compile(r"\[([^\[\]]+)\]" + _MD_URL)
_MD_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_STRONG = re.compile(
    r"\*\*(?=[^\s*_])([^*]+?)(?<=[^\s*_])\*\*|__(?=[^\s*_])([^_]+?)(?<=[^\s*_])__"
)
_MD_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])")
_MD_CODE = re.compile(r"`([^`]+)`")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_INLINE_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BULLET = re.compile(r"^(?:[-*+•▪◦·]|\d{1,2}[.)])\s+")


def normalise(text: str) -> str:
    """NFC, \\n line ends, no invisible characters, runs of spaces made one, and the ASCII
    typography of wire copy written as print does (``wire_typography``): so the patterns see
    one spelling of the same text."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return wire_typography(_SPACES.sub(" ", text))


# Typesetting codes of the New York Times News Service wire (quad left, centre, right...),
# left in its copy as if they were HTML entities.
_WIRE_CODES = re.compile(r"&(?:QL|QC|QR|UR|LR); ?")
_WIRE_DASH = re.compile(r"(?<=\S) _ (?=\S)")
_TEX_CLOSE = re.compile(r"(?<=\S)''")


def wire_typography(text: str) -> str:
    """1990s wire copy (AP, the New York Times News Service, as in the DUC corpora) typed a
    dash as " _ " and quotes as ``so'', and carries typesetting codes: a briefing shows them
    as a dash, curly quotes and nothing."""
    text = _WIRE_CODES.sub("", text)
    text = _WIRE_DASH.sub(" — ", text)
    return _TEX_CLOSE.sub("”", text.replace("``", "“"))


def split_lines(text: str) -> list[Paragraph]:
    """One paragraph per non-empty line: what HTML extraction produces."""
    return [Paragraph(line.strip()) for line in text.split("\n") if line.strip()]


def split_text(text: str) -> list[Paragraph]:
    """Lines are paragraphs (scrapes put one per line, often without blank lines), except a
    line that starts in lower case after one that did not end a sentence, which is a wrap."""
    paragraphs: list[Paragraph] = []
    wraps: list[list[str]] = []  # continuation lines, joined once at the end (linear time)
    previous_blank = True
    for raw in normalise(text).split("\n"):
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        para = _block_line(line)
        if (
            paragraphs
            and not previous_blank
            and para.text[:1].islower()
            and not para.bullet
            and (wraps[-1] or [paragraphs[-1].text])[-1][-1:].isalnum()
        ):
            wraps[-1].append(para.text)
        elif para.text:
            paragraphs.append(para)
            wraps.append([])
        previous_blank = False
    return _inline_all(_join_wraps(paragraphs, wraps), markdown=False)


def split_markdown(text: str) -> list[Paragraph]:
    """Markdown paragraphs are blank-line separated blocks whose lines are soft wraps."""
    paragraphs: list[Paragraph] = []
    wraps: list[list[str]] = []
    block_open = False
    for raw in normalise(text).split("\n"):
        line = raw.strip()
        if not line:
            block_open = False
            continue
        if _MD_SETEXT.match(line) and block_open and paragraphs:
            paragraphs[-1].heading = True
            block_open = False
            continue
        para = _block_line(line)
        if not para.text:
            block_open = False
            continue
        if block_open and not (para.bullet or para.heading or paragraphs[-1].heading):
            wraps[-1].append(para.text)
        else:
            paragraphs.append(para)
            wraps.append([])
        block_open = not para.heading
    return _inline_all(_join_wraps(paragraphs, wraps), markdown=True)


def _join_wraps(paragraphs: list[Paragraph], wraps: list[list[str]]) -> list[Paragraph]:
    for paragraph, lines in zip(paragraphs, wraps, strict=True):
        if lines:
            paragraph.text = " ".join([paragraph.text, *lines])
    return paragraphs


def _block_line(line: str) -> Paragraph:
    """One line without its block markup: heading hashes, quote marks, list bullets, rules."""
    if _MD_RULE.match(line) or _MD_REF_DEF.match(line):
        return Paragraph("")
    heading = False
    match = _MD_HEADING.match(line)
    if match:
        line, heading = match.group(2), True
    line = _MD_QUOTE.sub("", line)
    bullet = bool(_BULLET.match(line))
    return Paragraph(_BULLET.sub("", line), bullet=bullet, heading=heading)


def _inline_all(paragraphs: list[Paragraph], markdown: bool) -> list[Paragraph]:
    for p in paragraphs:
        p.text = _inline(p.text, markdown)
    return [p for p in paragraphs if p.text]


def _inline(text: str, markdown: bool) -> str:
    """Inline markup to plain text; in scraped plain text only the unambiguous constructs,
    since a backtick or a lone asterisk there is more likely text ("`good foods'", "f***")."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(lambda match: match.group(1) or match.group(2), text)
    if markdown:
        text = _MD_CODE.sub(r"\1", text)
        text = _INLINE_TAG.sub("", text)
        text = _MD_EM_STAR.sub(r"\1", text)
        text = _MD_EM_UNDER.sub(r"\1", text)
        text = _MD_ESCAPE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()
