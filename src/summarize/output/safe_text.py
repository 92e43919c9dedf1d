"""Article-derived text made safe for the places it is shown: log lines and Markdown.

Ids, titles and sentences come from the input, which may be hostile. In a log a raw newline
forges a new log line; in Markdown (which renderers turn into HTML) a raw ``<script>`` tag or a
``javascript:`` link runs in the reader's browser. HTML output is escaped by ``html.escape``;
these are the equivalents for the other two.
"""

from __future__ import annotations

import logging
import re

# C0/C1 controls, DEL, and the line/paragraph separators some viewers treat as line breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\0"}


def printable(text: object, limit: int | None = 200) -> str:
    """``text`` on one line with control characters escaped (a newline shows as ``\\n``) and
    cut to ``limit`` characters (``None``: not cut), for logs, warnings and headings."""
    text = _CONTROL.sub(_escape_control, str(text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


# What CommonMark/GFM read as markup anywhere in a line: emphasis, code, links and images
# (brackets), raw HTML and entities (< and &), headings, tables, strikethrough.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|~])")
# What starts a list, a quote or a setext underline at the beginning of a line.
_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])")
# Schemes that run code when followed: "javascript:", "vbscript:", "data:text/html,...".
_SCHEME = re.compile(r"\b(javascript|vbscript|data(?=\s*:\s*[\w.+-]+/))(\s*):", re.IGNORECASE)


def markdown_text(text: object) -> str:
    """``text`` as inert Markdown: shown as written, never as a tag, link, image or heading.

    Backslash escapes keep the characters visible without markup meaning; brackets are
    escaped, so no link or image can form, and ``<`` and ``&``, so no raw HTML or entity
    passes. A ``javascript:``/``data:`` scheme also has its colon written as an entity, so a
    renderer that links bare URLs does not make it a link.
    """
    text = printable(text, limit=None)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}&#58;", text)


def markdown_code(text: object) -> str:
    """``text`` as an inline code span: its backticks cannot close the span early."""
    text = printable(text, limit=1_000)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class PrintableLogFilter(logging.Filter):
    """Makes every record of the logger it is attached to one line with controls escaped, so
    a hostile id or title that reaches a log message cannot forge a log line of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = printable(message, limit=None)
        if safe != message:
            record.msg, record.args = safe, None
        return True


def protect_logger(name: str = "summarize") -> None:
    """Attaches ``PrintableLogFilter`` to the named logger once."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, PrintableLogFilter) for f in logger.filters):
        logger.addFilter(PrintableLogFilter())
