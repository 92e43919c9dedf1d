"""The stage's plain data: a loose article in, a story out, and how a story is named.

A story id must be the same for the same articles whatever their order, readable in a file name
and a URL, and unique: a slug of the story's title (its central article's title, or its first
words) plus a short hash of its sorted article ids.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from summarize.stages.clean.classify import RULES
from summarize.stages.clean.paragraphs import Kind
from summarize.stages.clean.patterns import DATELINE_AGENCY, DATELINE_CAPS

SLUG_WORDS = 6
SLUG_CHARS = 48
TITLE_WORDS = 14
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class LooseArticle:
    """One article of a night's inbox, cleaned, before anyone said which story it belongs to."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    """ISO date (``YYYY-MM-DD``, longer ISO forms are cut to the day) when known."""
    source: str | None = None
    """The outlet or URL, for counting outlets per story."""


@dataclass(frozen=True)
class Profile:
    """What a later night needs to recognise a story: its mean article vector and its top terms.

    Compact (a few hundred numbers), so the story index stays small over months of nights.
    """

    centroid: np.ndarray = field(repr=False)
    """Unit-length mean of the articles' neural vectors (float32)."""
    terms: dict[str, float] = field(default_factory=dict)
    """The story's strongest TF-IDF terms and their weights, unit length as a vector."""


@dataclass(frozen=True)
class Story:
    """Articles reporting the same event: ``articles`` are input article ids in input order."""

    id: str
    title: str
    articles: tuple[str, ...]
    profile: Profile = field(repr=False, compare=False)


def digest(text: str) -> str:
    """A short content digest of an article's text (whitespace-insensitive)."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def slug(text: str) -> str:
    """Lower-case ASCII words joined by dashes: safe in a file name and a URL."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _WORD.findall(ascii_text.lower())[:SLUG_WORDS]
    return "-".join(words)[:SLUG_CHARS].strip("-") or "story"


def story_id(title: str, article_ids: list[str] | tuple[str, ...]) -> str:
    """``<slug of the title>-<8 hex digits of the sorted article ids>``."""
    joined = "\n".join(sorted(article_ids)).encode("utf-8")
    return f"{slug(title)}-{hashlib.sha1(joined).hexdigest()[:8]}"


def headline(article: LooseArticle) -> str:
    """An article's title when it reads as one, else the first words of its first line that
    is neither debris nor a caption, without the dateline: never a URL, a byline
    ("By Jane Doe"), a dateline ("WASHINGTON (AP) --") or a photo caption, which scraped
    titles and openings often are."""
    title = " ".join((article.title or "").split())
    if title and not is_debris_line(title):
        return title
    lines = [" ".join(line.split()) for line in article.text.splitlines()]
    lead = next((line for line in lines if line and not is_debris_line(line)), "")
    words = without_dateline(lead).split() or article.text.split()
    return " ".join(words[:TITLE_WORDS]) + (" ..." if len(words) > TITLE_WORDS else "")


def is_debris_line(line: str) -> bool:
    """A line no headline is made of: one the cleaner's rules call debris or a caption (a URL,
    a byline, a credit, a prompt), or nothing but a dateline."""
    words = len(line.split())
    if not without_dateline(line).strip():
        return True
    return any(
        rule.kind is not Kind.RELATED
        and (rule.max_words is None or words <= rule.max_words)
        and rule.test(line)
        for rule in RULES
    )


def without_dateline(line: str) -> str:
    """The line without a leading wire dateline ("PARIS (Reuters) - ", "BEIRUT, Lebanon -- ")."""
    for dateline in (DATELINE_AGENCY, DATELINE_CAPS):
        line = dateline.sub("", line, count=1)
    return line
