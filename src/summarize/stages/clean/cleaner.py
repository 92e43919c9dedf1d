"""The cleaning stage: an article in, its story paragraphs out, with a title when it lacked one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import ClassVar

from summarize.data import Article
from summarize.params import Constraint, Flag, Interval, check_params
from summarize.stages.clean.classify import classify
from summarize.stages.clean.html import is_html, page_text
from summarize.stages.clean.lines import comparison_key, strip_dateline
from summarize.stages.clean.page import (
    mark_doubled_captions,
    mark_duplicates,
    mark_lists,
    mark_related_lists,
    mark_tail,
)
from summarize.stages.clean.paragraphs import (
    Kind,
    Paragraph,
    normalise,
    split_lines,
    split_markdown,
    split_text,
)


class BoilerplateCleaner:
    """Removes web debris from one article at a time.

    Rules are per line and conservative: a line is dropped when it matches a kind of debris,
    or when it looks like a headline (short, no sentence ending) and ``drop_headline_lines``
    is set. Runs of teaser headlines after "Related"/"Read more" and at the article's end go
    as a block, because single lines of those lists can look like sentences.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {
        "min_paragraph_words": Interval(0, integer=True),
        "max_headline_words": Interval(0, integer=True),
        "drop_headline_lines": Flag(),
        "strip_datelines": Flag(),
        "drop_duplicates": Flag(),
        "use_trafilatura": Flag(),
        "max_chars": Interval(0, closed="neither", integer=True, allow_none=True),
    }

    def __init__(
        self,
        min_paragraph_words: int = 2,
        max_headline_words: int = 16,
        drop_headline_lines: bool = True,
        strip_datelines: bool = True,
        drop_duplicates: bool = True,
        use_trafilatura: bool = True,
        max_chars: int | None = 1_000_000,
    ) -> None:
        self.min_paragraph_words = min_paragraph_words
        self.max_headline_words = max_headline_words
        self.drop_headline_lines = drop_headline_lines
        self.strip_datelines = strip_datelines
        self.drop_duplicates = drop_duplicates
        self.use_trafilatura = use_trafilatura
        self.max_chars = max_chars
        check_params(self, "cleaner")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def cap(self, article: Article) -> tuple[Article, bool]:
        """The article cut to ``max_chars`` (at a line or word break when one is near), and
        whether it was cut: bounds the time and memory one article can take downstream."""
        if self.max_chars is None or len(article.text) <= self.max_chars:
            return article, False
        text = article.text[: self.max_chars]
        floor = self.max_chars - min(self.max_chars // 10, 10_000)
        for separator in ("\n", " "):
            cut = text.rfind(separator, floor)
            if cut > 0:
                text = text[:cut]
                break
        return dataclasses.replace(article, text=text), True

    def clean(self, article: Article) -> Article:
        """Returns a new Article (dataclasses.replace) whose text is the story's paragraphs
        joined by "\\n\\n", with title set from the page/first headline line when
        article.title is None."""
        title = article.title
        if is_html(article):
            text, page_title = page_text(article.text, self.use_trafilatura)
            paragraphs = split_lines(normalise(text))
            title = title or page_title
        else:
            markdown = article.source.lower().endswith((".md", ".markdown"))
            paragraphs = split_markdown(article.text) if markdown else split_text(article.text)
        kept, found_title = self._filter(paragraphs, title)
        return dataclasses.replace(
            article, text="\n\n".join(kept), title=title if title is not None else found_title
        )

    def _filter(
        self, paragraphs: list[Paragraph], title: str | None
    ) -> tuple[list[str], str | None]:
        if self.strip_datelines:
            for p in paragraphs:
                p.text = strip_dateline(p.text)
        for p in paragraphs:
            classify(p, self.max_headline_words)
        mark_related_lists(paragraphs)
        mark_doubled_captions(paragraphs)
        if self.drop_duplicates:
            mark_duplicates(paragraphs)
        mark_lists(paragraphs, self.max_headline_words)
        mark_tail(paragraphs)

        found_title = None
        for p in paragraphs:
            if p.kind in (Kind.STORY, Kind.LIST):
                break
            if p.kind == Kind.HEADLINE:
                found_title = p.text.strip().rstrip(":").strip()
                p.kind = Kind.BOILER
                break
        title_key = comparison_key(title if title is not None else found_title or "")
        keep = {Kind.STORY, Kind.LIST} | (
            {Kind.HEADLINE} if not self.drop_headline_lines else set()
        )
        kept = []
        for p in paragraphs:
            if p.kind not in keep or (title_key and comparison_key(p.text) == title_key):
                continue
            if p.kind == Kind.STORY and len(p.text.split()) < self.min_paragraph_words:
                continue
            kept.append(p.text)
        return kept, found_title
