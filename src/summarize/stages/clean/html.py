"""HTML pages to text: the story via trafilatura, with lxml as the fallback and for the title.

The text comes back with one paragraph per line, ready for ``paragraphs.split_lines``.
"""

from __future__ import annotations

import re

from summarize.data import Article

_HTML_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "form",
    "button",
    "iframe",
    "svg",
    "select",
)
_HTML_BLOCKS = (
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dd",
    "dt",
    "address",
    "br",
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TITLE_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


def is_html(article: Article) -> bool:
    """By its file name, or by how its text opens when it came without one (JSONL)."""
    if article.source.lower().endswith((".html", ".htm")):
        return True
    head = article.text.lstrip()[:20].lower()
    return head.startswith(("<!doctype", "<html"))


def _trafilatura_text(html: str) -> str:
    """Main text only: its metadata extraction costs seconds on first use (date parsing),
    and the title is easy to read from the page itself."""
    import trafilatura

    result = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
    )
    return result or ""


def _lxml_text(html: str, want_text: bool) -> tuple[str, str | None]:
    """Block-aware text of the page without its chrome; also the title from <h1>/<title>."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        # Parse the decoded text, not bytes: a stale <meta charset> must not re-decode it.
        tree = lxml_html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return "", None
    title = None
    for candidate in (
        tree.xpath('string(//meta[@property="og:title"]/@content)'),
        tree.xpath("string((//h1)[1])"),
        _TITLE_SITE_SUFFIX.sub("", tree.xpath("string(//title)").strip()),
    ):
        candidate = " ".join(str(candidate).split())
        if candidate:
            title = candidate
            break
    if not want_text:
        return "", title
    for element in tree.xpath("|".join(f"//{tag}" for tag in _HTML_DROP)):
        element.drop_tree()
    for element in tree.iter(*_HTML_BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    body = tree.find("body")
    return (body if body is not None else tree).text_content(), title


def page_text(html: str, use_trafilatura: bool) -> tuple[str, str | None]:
    """Main text with one paragraph per line, and the page title."""
    text = _trafilatura_text(html) if use_trafilatura else ""
    fallback_text, title = _lxml_text(html, want_text=not text.strip())
    return (text if text.strip() else fallback_text), title
