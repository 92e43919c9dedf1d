"""Stage 3: collapse near-duplicate and paraphrased sentences across articles.

Sentences are linked when their cosine similarity reaches ``threshold`` and every connected
group becomes one candidate. Grouping by connected components (single link) guarantees that no
two candidates are that similar, which is what lets every selector promise a briefing without
repeats. Which articles state a candidate is decided separately, by a ``SupportRule`` against
the candidate's representative sentence: it is the briefing's provenance ("also reported by")
and a salience signal, since facts that many outlets repeat are the core of the story. Outlets
are counted as independent sources (``Document.source_of``): a republished copy of an article
adds no support, does not weigh in the centroid, and never stands for a group its original is in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from summarize.data import Candidates, Document
from summarize.params import Constraint, Flag, Interval, check_params
from summarize.stages.copies import source_weights
from summarize.stages.features import stem_word
from summarize.stages.order.context import needs_context

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_DIGIT = re.compile(r"[0-9]")
_COSINE = Interval(0, 1, closed="right")
_SHARE = Interval(0, 1)


class SupportRule:
    """When a sentence of another article counts as stating the same fact.

    Embedding similarity alone links sentences on one topic that make different claims (a
    truce request and the city's history; one meeting and another), which would tag a briefing
    sentence with outlets that never said it. So a match at ``threshold`` must also share
    ``min_shared`` of its content words (Dice coefficient of the stemmed non-stop words); a
    close paraphrase, at ``close_threshold``, needs only ``close_min_shared``. Two sentences
    that both carry numbers must have one in common. The defaults were chosen on hand-labelled
    pairs for precision >= 0.9 (``docs/provenance.md``).
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "threshold": _COSINE,
        "min_shared": _SHARE,
        "close_threshold": _COSINE,
        "close_min_shared": _SHARE,
        "match_numbers": Flag(),
    }

    def __init__(
        self,
        threshold: float = 0.6,
        min_shared: float = 0.6,
        close_threshold: float = 0.85,
        close_min_shared: float = 0.3,
        match_numbers: bool = True,
    ) -> None:
        self.threshold = threshold
        self.min_shared = min_shared
        self.close_threshold = close_threshold
        self.close_min_shared = close_min_shared
        self.match_numbers = match_numbers
        check_params(self, "support")

    def supports(self, a: str, b: str, similarity: float) -> bool:
        if similarity < min(self.threshold, self.close_threshold):
            return False
        words_a, words_b = content_words(a), content_words(b)
        numbers_a = {w for w in words_a if _DIGIT.search(w)}
        numbers_b = {w for w in words_b if _DIGIT.search(w)}
        if self.match_numbers and numbers_a and numbers_b and not numbers_a & numbers_b:
            return False
        total = len(words_a) + len(words_b)
        shared = 2 * len(words_a & words_b) / total if total else 1.0
        return (similarity >= self.threshold and shared >= self.min_shared) or (
            similarity >= self.close_threshold and shared >= self.close_min_shared
        )


@lru_cache(maxsize=100_000)
def content_words(text: str) -> frozenset[str]:
    """Stemmed lower-cased words that are not stop words: what two statements of a fact share."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(
        stem_word(w) for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS
    )


class RedundancyRemover:
    """Near-duplicate sentences become one candidate; ``support_*`` set its ``SupportRule``.

    Example (``document``: a split and embedded cluster)::

        candidates = RedundancyRemover(threshold=0.8).transform(document)
        candidates.members[0]  # the sentences the first candidate stands for
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "threshold": _COSINE,
        "support_threshold": _COSINE,
        "support_min_shared": _SHARE,
        "support_close_threshold": _COSINE,
    }

    def __init__(
        self,
        threshold: float = 0.8,
        support_threshold: float = 0.6,
        support_min_shared: float = 0.6,
        support_close_threshold: float = 0.85,
    ) -> None:
        self.threshold = threshold
        self.support_threshold = support_threshold
        self.support_min_shared = support_min_shared
        self.support_close_threshold = support_close_threshold
        check_params(self, "dedup")
        self.support_rule = SupportRule(
            support_threshold, support_min_shared, close_threshold=support_close_threshold
        )

    def transform(self, document: Document) -> Candidates:
        sentences = document.sentences
        embeddings = document.embeddings
        n = len(sentences)
        if n == 0:
            raise ValueError("no sentences to summarize")
        similarity = embeddings @ embeddings.T
        _, labels = connected_components(
            csr_matrix(similarity >= self.threshold), directed=False, return_labels=True
        )
        groups: dict[int, list[int]] = {}
        for index, label in enumerate(labels):
            groups.setdefault(int(label), []).append(index)

        sources = np.array([document.source(s.article) for s in sentences])
        copied = sources != np.array([s.article for s in sentences])
        loose = similarity >= min(self.support_rule.threshold, self.support_rule.close_threshold)
        dangling = [needs_context(s.text) for s in sentences]
        ordered = sorted(groups.values(), key=lambda members: min(members))
        representatives: list[int] = []
        stated_by: list[tuple[int, ...]] = []
        for members in ordered:
            # a member that stands alone speaks for the group ("Mayor Ruiz said", not "She said"),
            # and an original's sentence rather than its copy's
            representative = min(
                members, key=lambda i: (dangling[i], bool(copied[i]), sentences[i].position, i)
            )
            representatives.append(representative)
            stated_by.append(self._stated_by(document, representative, members, loose, similarity))

        articles = np.array([s.article for s in sentences])
        weight = source_weights(document.source_of)[articles] if document.source_of else None
        centroid = np.average(embeddings, axis=0, weights=weight)
        norm = float(np.linalg.norm(centroid))
        return Candidates(
            sentences=[sentences[i] for i in representatives],
            embeddings=embeddings[representatives],
            support=np.array([len(s) for s in stated_by], dtype=np.int64),
            members=[[sentences[i] for i in members] for members in ordered],
            stated_by=stated_by,
            centroid=(centroid / norm if norm > 0 else centroid).astype(np.float32),
            n_articles=document.n_sources,
            needs_context=np.array([dangling[i] for i in representatives], dtype=bool),
            references=document.cluster.references,
            document=document,
            source_of=document.source_of,
        )

    def _stated_by(
        self,
        document: Document,
        representative: int,
        members: list[int],
        loose: np.ndarray,
        similarity: np.ndarray,
    ) -> tuple[int, ...]:
        """The representative's source, and every other source with a sentence that states it.

        Members of the group are held to the same rule: single-link chains can join sentences
        that are not close to the representative. A copy counts as its original.
        """
        sentences = document.sentences
        text = sentences[representative].text
        stating = {document.source(sentences[representative].article)}
        for other in sorted(set(members) | set(np.flatnonzero(loose[representative]).tolist())):
            source = document.source(sentences[other].article)
            if source not in stating and self.support_rule.supports(
                text, sentences[other].text, float(similarity[representative, other])
            ):
                stating.add(source)
        return tuple(sorted(stating))
