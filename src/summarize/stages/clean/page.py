"""Passes over the whole page that revise what ``classify`` decided line by line.

Some debris is only recognisable by its neighbours: the teaser headlines under a "Related"
heading, a caption printed twice (once without its credit), a paragraph repeated, list items
after "... included:", and the block of teasers a page ends with.
"""

from __future__ import annotations

from summarize.stages.clean.lines import comparison_key, teaser_like
from summarize.stages.clean.paragraphs import Kind, Paragraph


def mark_related_lists(paragraphs: list[Paragraph]) -> None:
    """A "Related" heading takes the teaser headlines right after it."""
    in_list = False
    for p in paragraphs:
        if p.kind == Kind.RELATED and p.marker:
            in_list = True
        elif in_list and p.kind in (Kind.BOILER, Kind.CAPTION):
            continue
        elif in_list and (p.kind in (Kind.HEADLINE, Kind.RELATED) or teaser_like(p.text)):
            p.kind = Kind.RELATED
        else:
            in_list = False


def mark_doubled_captions(paragraphs: list[Paragraph]) -> None:
    """Captions are often printed twice, once without the credit: drop the bare copy too."""
    for i, p in enumerate(paragraphs):
        if p.kind != Kind.CAPTION:
            continue
        for j in (i - 1, i + 1):
            if (
                0 <= j < len(paragraphs)
                and paragraphs[j].kind in (Kind.STORY, Kind.HEADLINE)
                and _similar(p.text, paragraphs[j].text)
            ):
                paragraphs[j].kind = Kind.CAPTION


def _similar(a: str, b: str) -> bool:
    """The same caption twice: mostly the same opening words, or mostly the same words."""
    wa, wb = comparison_key(a).split(), comparison_key(b).split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) < 4:
        return False
    prefix = 0
    for x, y in zip(short, long, strict=False):
        if x != y:
            break
        prefix += 1
    if prefix >= 0.8 * len(short):
        return True
    sa, sb = set(wa), set(wb)
    return len(sa & sb) >= 0.8 * len(sa | sb)


def mark_duplicates(paragraphs: list[Paragraph]) -> None:
    """Repeats add nothing: drop a paragraph equal to the one before it, or (when long enough
    to be unambiguous) equal to or contained in another kept paragraph."""
    kept: list[Paragraph] = []
    previous = None
    for p in paragraphs:
        if p.kind not in (Kind.STORY, Kind.HEADLINE):
            continue
        key = comparison_key(p.text)
        if previous is not None and key == previous:
            p.kind = Kind.BOILER
            continue
        previous = key
        kept.append(p)
    if len(kept) > 400:
        return
    keys = [comparison_key(p.text) for p in kept]
    for i, p in enumerate(kept):
        if p.kind != Kind.STORY or len(keys[i].split()) < 8:
            continue
        for j, other in enumerate(keys):
            if j == i or kept[j].kind != Kind.STORY or keys[i] not in other:
                continue
            if len(other) > len(keys[i]) or j < i:
                p.kind = Kind.BOILER
                break


def mark_lists(paragraphs: list[Paragraph], max_words: int) -> None:
    """Short unpunctuated lines after "... included:" are list items, not headlines."""
    in_list = False
    for p in paragraphs:
        if p.kind == Kind.STORY and p.text.endswith(":"):
            in_list = True
            continue
        if (
            in_list
            and p.kind == Kind.HEADLINE
            and not p.heading
            and len(p.text.split()) <= 2 * max_words
        ):
            p.kind = Kind.LIST
        elif in_list and p.kind == Kind.STORY and p.bullet:
            continue
        else:
            in_list = False


# A page has a handful of prompts and "Related" headings; one made of thousands is hostile.
_MAX_TAIL_MARKERS = 20


def mark_tail(paragraphs: list[Paragraph]) -> None:
    """The end of a page is often a block of teasers for other stories, sometimes each with a
    short picture caption, opened by a sign-up prompt or a "Read more" heading."""
    story_words = [len(p.text.split()) if p.kind == Kind.STORY else 0 for p in paragraphs]
    total, before, tried = sum(story_words), 0, 0
    for start, p in enumerate(paragraphs):
        before += story_words[start]
        if not p.marker or before < total - before:
            continue
        tried += 1
        if tried > _MAX_TAIL_MARKERS:  # each try reads the rest of the page: keep it linear
            break
        if _is_teaser_tail(paragraphs[start + 1 :], related=p.kind == Kind.RELATED):
            for q in paragraphs[start:]:
                if q.kind in (Kind.STORY, Kind.HEADLINE, Kind.RELATED, Kind.LIST):
                    q.kind = Kind.TAIL
            return
    run, headlines = [], 0
    for p in reversed(paragraphs):
        if p.kind in (Kind.HEADLINE, Kind.RELATED, Kind.BOILER, Kind.CAPTION):
            run.append(p)
            headlines += p.kind in (Kind.HEADLINE, Kind.RELATED)
        else:
            break
    if headlines >= 2:
        for p in run:
            p.kind = Kind.TAIL if p.kind == Kind.HEADLINE else p.kind


def _is_teaser_tail(rest: list[Paragraph], related: bool) -> bool:
    """Whether what follows a marker is only teasers: headlines, optionally each after a short
    picture caption (a regular caption/headline pattern, so one short story paragraph between
    two headlines does not qualify)."""
    lines = [p for p in rest if p.kind not in (Kind.BOILER, Kind.CAPTION)]
    if not lines:
        return False
    teasers = captions = 0
    for i, p in enumerate(lines):
        if p.kind in (Kind.HEADLINE, Kind.RELATED) or teaser_like(p.text):
            teasers += 1
            continue
        if len(p.text.split()) > 40:
            return False
        if i == len(lines) - 1:
            continue
        following = lines[i + 1]
        if not (following.kind in (Kind.HEADLINE, Kind.RELATED) or teaser_like(following.text)):
            return False
        if not (related and i == 0):
            captions += 1
    if captions == 1 or (captions and teasers > captions + 1):
        return False
    if related:
        return teasers >= 1 or len(lines) <= 2
    return teasers >= 2 and teasers >= 0.4 * len(lines)
