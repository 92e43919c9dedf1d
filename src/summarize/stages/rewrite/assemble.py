"""From the sentences a model wrote to the final briefing: each one checked, kept or replaced.

Every written sentence is matched to the extractive sentence it is nearest to (its origin).
A sentence copied unchanged stays the extractive one; a duplicate, an unfinished sentence, a
fragment or one the fact guard rejects is dropped and, with ``on_reject=replace``, its origin
takes its place (once). The result is cut to the word budget; if no rewritten sentence is left,
the extractive briefing is returned with the reason.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from summarize.data import Briefing, BriefingSentence, Document, count_words, sentence_key
from summarize.stages.rewrite.base import Encoder
from summarize.stages.rewrite.guard import FactGuard
from summarize.stages.rewrite.reply import is_complete, normal


@dataclass
class _Review:
    """The sentences kept so far and the tallies the briefing's ``details`` report."""

    sentences: list[BriefingSentence] = field(default_factory=list)
    reasons: list[dict[str, str]] = field(default_factory=list)
    accepted: int = 0
    replaced: int = 0
    copied: int = 0
    seen: set[str] = field(default_factory=set)
    """Normalised texts already written or kept, to drop repeats."""
    covered: set[int] = field(default_factory=set)
    """Extractive sentences some written sentence was matched to (replaced at most once)."""


def assemble(
    written: list[str],
    briefing: Briefing,
    document: Document,
    encode: Encoder,
    guard: FactGuard,
    budget_words: int,
    info: dict[str, Any],
    started: float,
    *,
    min_sentence_words: int,
    on_reject: str,
) -> Briefing:
    """The briefing from the written sentences (non-empty), or the extractive one and why."""
    review = _review(written, briefing, document, encode, guard, min_sentence_words, on_reject)
    info.update(
        rejected=len(review.reasons),
        reasons=review.reasons,
        replaced=review.replaced,
        copied=review.copied,
    )
    result, trimmed = _within_budget(review.sentences, budget_words)
    info["trimmed_for_budget"] = trimmed
    if not any(s.rewritten for s in result):
        return extractive(briefing, info, started, reason=_why_nothing_rewritten(review))
    info["used"] = True
    info["kept"] = sum(s.rewritten for s in result)
    info["seconds"] = round(time.perf_counter() - started, 3)
    return dataclasses.replace(
        briefing,
        sentences=result,
        warnings=list(briefing.warnings),
        details={**briefing.details, "rewrite": info},
    )


def _review(
    written: list[str],
    briefing: Briefing,
    document: Document,
    encode: Encoder,
    guard: FactGuard,
    min_sentence_words: int,
    on_reject: str,
) -> _Review:
    """Each written sentence judged in order, against its nearest extractive sentence."""
    embeddings = np.asarray(encode(written), dtype=np.float32)
    nearest = np.argmax(embeddings @ selection_embeddings(briefing, document, encode).T, 1)
    review = _Review()
    for sentence, embedding, source in zip(written, embeddings, nearest.tolist(), strict=True):
        origin = briefing.sentences[source]
        text = normal(sentence)
        reason = "duplicate of an earlier sentence" if text in review.seen else None
        if reason is None and text == normal(origin.text):  # copied: still the extractive one
            review.sentences.append(origin)
            review.copied += 1
        elif reason is None:
            reason = _form_problem(sentence, min_sentence_words) or guard.check(sentence, embedding)
            if reason is None:
                review.accepted += 1
                review.sentences.append(_rewritten(sentence, origin))
        review.seen.add(text)
        if reason is not None:
            review.reasons.append({"sentence": sentence, "reason": reason})
            if on_reject == "replace" and source not in review.covered:
                review.sentences.append(origin)
                review.seen.add(normal(origin.text))
                review.replaced += 1
        review.covered.add(source)
    return review


def _form_problem(sentence: str, min_sentence_words: int) -> str | None:
    """What makes a written sentence unusable before its facts are even checked."""
    if not is_complete(sentence):
        return "incomplete sentence (the model stopped mid-sentence)"
    if count_words(sentence) < min_sentence_words:
        return f"fragment of fewer than {min_sentence_words} words"
    return None


def _rewritten(sentence: str, origin: BriefingSentence) -> BriefingSentence:
    """A written sentence, credited to the article (and sources) of the sentence it rewrites."""
    return BriefingSentence(
        text=sentence,
        article=origin.article,
        position=origin.position,
        also_in=origin.also_in,
        rewritten=True,
        background=origin.background,
    )


def _within_budget(
    sentences: list[BriefingSentence], budget_words: int
) -> tuple[list[BriefingSentence], int]:
    """The sentences with the last ones dropped until the budget holds, and how many went."""
    kept = list(sentences)
    while kept and count_words(" ".join(s.text for s in kept)) > budget_words:
        kept.pop()
    return kept, len(sentences) - len(kept)


def _why_nothing_rewritten(review: _Review) -> str:
    if review.accepted:
        return "no rewritten sentence fits the word budget"
    if review.copied:
        return "the model copied extractive sentences and the guard rejected the rest"
    return "the guard rejected every rewritten sentence"


def selection_embeddings(briefing: Briefing, document: Document, encode: Encoder) -> np.ndarray:
    """Embeddings of the extractive sentences, reused from the document where possible."""
    rows = document.rows()
    found = [rows.get(sentence_key(s)) for s in briefing.sentences]
    missing = [s.text for s, row in zip(briefing.sentences, found, strict=True) if row is None]
    fresh = iter(np.asarray(encode(missing), dtype=np.float32) if missing else ())
    return np.stack(
        [document.embeddings[row] if row is not None else next(fresh) for row in found]
    ).astype(np.float32)


def extractive(
    briefing: Briefing,
    info: dict[str, Any],
    started: float,
    *,
    reason: str | None = None,
    error: str | None = None,
) -> Briefing:
    """The extractive briefing unchanged, with why the rewrite was not used."""
    info = {**info, "used": False, "seconds": round(time.perf_counter() - started, 3)}
    warnings = list(briefing.warnings)
    if error is not None:
        info["error"] = error
        warnings.append(error)
    info["reason"] = reason if reason is not None else error
    return dataclasses.replace(
        briefing,
        sentences=list(briefing.sentences),
        warnings=warnings,
        details={**briefing.details, "rewrite": info},
    )
