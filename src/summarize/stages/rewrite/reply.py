"""Reading a model's reply: the sentences it wrote, without the chatter around an answer."""

from __future__ import annotations

import re

from summarize.data import count_words

_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_BULLET = re.compile(r"^(?:[-*•]+|\d+[.)])\s+")
_PREAMBLE = re.compile(
    r"^(?:sure|certainly|okay|here(?:'s|’s| is| are)\b)[^:\n]{0,80}:\s*", re.IGNORECASE
)
_CLOSING = re.compile(r"([.!?]) ([\"'”’)\]]+)$")
_TERMINAL = re.compile(r"[.!?](?:\s*[\"'”’)\]])*$")


def reply_sentences(text: str, language: str) -> list[str]:
    """The model's reply as sentences: no thinking, bullets, headings or "Here is..." preamble."""
    from summarize.stages.split import punkt_tokenizer

    text = _THINKING.sub("", text).replace("**", "")
    paragraphs = []
    for line in text.splitlines():
        line = _BULLET.sub("", line.strip()).strip()
        if not line or line.startswith("#") or (line.endswith(":") and count_words(line) <= 8):
            continue  # headings such as "Briefing:" or "Here is the rewrite:"
        paragraphs.append(_PREAMBLE.sub("", line) if not paragraphs else line)
    tokenizer = punkt_tokenizer(language)
    sentences = []
    for paragraph in paragraphs:
        for sentence in tokenizer.tokenize(paragraph):
            sentence = _CLOSING.sub(r"\1\2", " ".join(sentence.split()))
            if any(c.isalpha() for c in sentence):
                sentences.append(sentence)
    return sentences


def is_complete(sentence: str) -> bool:
    """Ends like a sentence (a stop, perhaps inside quotes): the model did not stop mid-way."""
    return bool(_TERMINAL.search(sentence))


def normal(text: str) -> str:
    """Case and spacing folded, to recognise a sentence written twice or copied unchanged."""
    return " ".join(text.lower().split())
