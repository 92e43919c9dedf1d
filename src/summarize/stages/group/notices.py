"""Pages that are no news: web-archive crawl notices, video-player and tweet-box notices,
reprint notices, and the cleaner's debris lines (cookie and paywall prompts, bylines, links)
when they passed the cleaner because they sat among sentences. Words a real story may use
often ("subscribers", "cookies") are left to the cleaner's rules, which count them only in
short lines.

Scraped inboxes carry many copies of them, from unrelated pages, and they group with each
other because they share every word; a briefing of them would be nonsense. A story all of
whose articles are mostly such notices is skipped with a reason (``run.stories``), as a single
article with nothing to brief already is.
"""

from __future__ import annotations

import re

from summarize.stages.group.stories import is_debris_line

PAGE_NOTICE = re.compile(
    r"\bcrawl(?:s|ed|er|ers|ing)?\b|\bweb ?archiv|\bwayback machine\b|\binternet archive\b|"
    r"\barchived? (?:copies|copy|pages|snapshots?)\b|"
    r"\b(?:video|media) (?:playback|player)\b|\btranscript could not be loaded\b|"
    r"\brating is available when\b|\bthis video (?:is|has been) (?:unavailable|removed)\b|"
    r"\b(?:add|with) (?:a )?location (?:information )?to your tweets\b|\btweet with a location\b|"
    r"\bfor your personal,? non-?commercial use\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
NOTICE_SHARE = 0.5
"""An article is a page notice when at least this share of its sentences are."""


def is_page_notice(text: str) -> bool:
    """Most of the text's sentences are page notices or debris lines."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    if not sentences:
        return True
    notices = sum(1 for s in sentences if PAGE_NOTICE.search(s) or is_debris_line(s))
    return notices >= NOTICE_SHARE * len(sentences)


def boilerplate_reason(texts: list[str]) -> str | None:
    """Why a story of these article texts is no news, if it is not."""
    if texts and all(is_page_notice(text) for text in texts):
        return "every article is a page notice (web archive, player, cookie or paywall text)"
    return None
