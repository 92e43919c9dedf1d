"""What one paragraph is, read from its own text: an ordered table of rules, first match wins.

The rules lean towards keeping text: a paragraph is debris only when it matches a known kind of
debris, most of them only when short (a 300-word paragraph that mentions cookies is a story
about cookies). A paragraph no rule claims is a headline when it is short and does not end
like a sentence, and story text otherwise. The passes in ``page`` then revise kinds by what
surrounds each paragraph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from summarize.stages.clean.lines import (
    ends_sentence,
    is_all_caps,
    is_contact,
    is_labelled_link,
    is_link_only,
    is_share_bar,
    is_sign_up_form,
    is_teaser,
)
from summarize.stages.clean.paragraphs import Kind, Paragraph
from summarize.stages.clean.patterns import (
    AD,
    BROWSER_NOTICE,
    BYLINE,
    CAPTION_PATTERNS,
    COPYRIGHT,
    CREDIT_LINE,
    CREDIT_ONLY,
    DATE_ONLY,
    FOLLOW,
    HAS_LETTER,
    NO_WORDS,
    ORIGINALLY,
    PIC_LINK,
    PROMPT_ANYWHERE,
    PROMPT_START,
    READ_MORE_END,
    RELATED_HEADING,
    STAMP,
    TWEET,
)


@dataclass(frozen=True)
class Rule:
    """A paragraph of at most ``max_words`` words (``None``: any length) whose text passes
    ``test`` is of ``kind``; ``marker`` says the page often stops after such a line. ``name``
    says what the rule catches."""

    name: str
    kind: Kind
    test: Callable[[str], object]
    max_words: int | None = None
    marker: bool = False


RULES: tuple[Rule, ...] = (
    Rule("no letters", Kind.BOILER, lambda t: not HAS_LETTER.search(t) or NO_WORDS.match(t)),
    Rule(
        '"Related", "Read more" heading',
        Kind.RELATED,
        lambda t: RELATED_HEADING.match(t) and not ends_sentence(t.rstrip(":")),
        marker=True,
    ),
    Rule(
        "caption, photo credit",
        Kind.CAPTION,
        lambda t: any(rx.search(t) for rx in CAPTION_PATTERNS),
        max_words=80,
    ),
    Rule("credits only", Kind.CAPTION, CREDIT_ONLY.match, max_words=10),
    Rule("sign-up, cookie prompt", Kind.BOILER, PROMPT_START.match, max_words=40, marker=True),
    Rule(
        "prompt later in the line", Kind.BOILER, PROMPT_ANYWHERE.search, max_words=40, marker=True
    ),
    Rule("sign-up form in one line", Kind.BOILER, is_sign_up_form, marker=True),
    Rule("copyright", Kind.BOILER, COPYRIGHT.search, max_words=30, marker=True),
    Rule("follow us", Kind.BOILER, FOLLOW.search, max_words=30, marker=True),
    Rule("reporting credit", Kind.BOILER, CREDIT_LINE.search, max_words=25, marker=True),
    Rule("share bar", Kind.BOILER, is_share_bar, max_words=20),
    Rule("advertisement label", Kind.BOILER, AD.match, max_words=20),
    Rule("published/updated stamp", Kind.BOILER, STAMP.match, max_words=10),
    Rule(
        "published/updated stamp, not a sentence",
        Kind.BOILER,
        lambda t: STAMP.match(t) and not ends_sentence(t),
        max_words=20,
    ),
    Rule("date", Kind.BOILER, DATE_ONLY.match),
    Rule("byline", Kind.BOILER, lambda t: BYLINE.match(t) and not ends_sentence(t), max_words=20),
    Rule("originally published", Kind.BOILER, ORIGINALLY.match, max_words=20),
    Rule("links only", Kind.BOILER, is_link_only),
    Rule("label and link", Kind.BOILER, is_labelled_link, max_words=20),
    Rule("contact details", Kind.BOILER, is_contact, max_words=30),
    Rule("browser notice", Kind.BOILER, BROWSER_NOTICE.search, max_words=40),
    Rule("embedded post", Kind.BOILER, TWEET.search, max_words=80),
    Rule("embedded post's picture link", Kind.BOILER, PIC_LINK.search, max_words=80),
    Rule("teaser for another story", Kind.RELATED, is_teaser),
    Rule('line ending "Read more"', Kind.RELATED, READ_MORE_END.search, max_words=25),
)


def classify(paragraph: Paragraph, max_headline_words: int) -> None:
    """Sets the paragraph's ``kind`` (and ``marker``) from the first rule that matches."""
    text = paragraph.text
    words = len(text.split())
    for rule in RULES:
        if (rule.max_words is None or words <= rule.max_words) and rule.test(text):
            paragraph.kind, paragraph.marker = rule.kind, rule.marker
            return
    short_label = words <= max_headline_words and (not ends_sentence(text) or is_all_caps(text))
    paragraph.kind = Kind.HEADLINE if paragraph.heading or short_label else Kind.STORY
