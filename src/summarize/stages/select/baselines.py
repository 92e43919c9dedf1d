"""Selectors to compare against: sumy's classic summarizers and a ROUGE oracle.

``SumySelector`` runs the summarizers people would otherwise pick off the shelf (sumy's LexRank,
TextRank, LSA and KL-Sum) on the cluster's sentences, so a leaderboard can show whether our
selectors beat them under the same splitting, budget and scoring. ``GreedyOracleSelector`` reads
the reference summaries: it is the extractive upper bound, never a summarizer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import ClassVar

import numpy as np

from summarize.data import Candidates, Sentence, sentence_key
from summarize.params import Constraint, Flag, OneOf, check_params
from summarize.stages.select.budget import fill_budget, greedy_fill

__all__ = ["SUMY_METHODS", "GreedyOracleSelector", "SumySelector"]

SUMY_METHODS = ("lexrank", "textrank", "lsa", "kl")
_INSTALL_HINT = "sumy is not installed; the baselines need it: pip install 'summarize[baselines]'"


class _BudgetFull(Exception):
    """Ends sumy's KL-Sum loop once the budget is filled (its full ranking is cubic)."""


def _budget_full(words: np.ndarray, chosen: list[int], budget_words: int) -> bool:
    """Whether no candidate left out fits what the chosen ones leave of the budget."""
    fits = words <= budget_words - int(words[chosen].sum())
    fits[chosen] = False
    return not fits.any()


def _candidate_of_sentence(candidates: Candidates) -> list[int | None]:
    """For each sentence of the cluster, the candidate standing for its near-duplicate group."""
    owner = {sentence_key(s): i for i, group in enumerate(candidates.members) for s in group}
    return [owner.get(sentence_key(s)) for s in candidates.document.sentences]


def _import_sumy():
    try:
        import sumy
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return sumy


class _SentenceWords:
    """sumy's English word tokenization applied to sentences we already split.

    sumy's own ``Tokenizer`` loads NLTK's punkt_tab data, which is not installed; its word
    tokenizer is NLTK's Treebank-style tokenizer plus a word filter, both usable without data.
    """

    def __init__(self, language: str) -> None:
        from nltk.tokenize import NLTKWordTokenizer
        from sumy.nlp.tokenizers import Tokenizer

        self.language = language
        self._tokenize = NLTKWordTokenizer().tokenize
        self._is_word = Tokenizer._is_word

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(word for word in self._tokenize(sentence) if self._is_word(word))


def _sumy_document(sentences: Sequence[Sentence], language: str):
    """One sumy document: a paragraph per article, our sentences in article order."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    words = _SentenceWords(language)
    paragraphs: dict[int, list] = {}
    for sentence in sentences:
        paragraphs.setdefault(sentence.article, []).append(SumySentence(sentence.text, words))
    return ObjectDocumentModel([Paragraph(p) for p in paragraphs.values()])


class SumySelector:
    """One of sumy's summarizers on the concatenated cleaned articles, cut to the word budget.

    sumy sees every sentence of the cluster, near-duplicates included, with its English stemmer
    and stop words. Its picks are taken in its rank order; each maps back to the candidate that
    stands for it, and a pick whose candidate is already in, or that would overrun the budget,
    is skipped. Sentences sumy leaves unrated (LSA on a text of stop words only) follow in
    article order.

    Example (``candidates`` from ``Summarizer.prepare(cluster)``)::

        chosen = SumySelector("textrank").select(candidates, budget_words=250)
        text = " ".join(candidates.sentences[i].text for i in chosen)
    """

    constraints: ClassVar[dict[str, Constraint]] = {"method": OneOf(SUMY_METHODS)}

    def __init__(self, method: str = "lexrank", language: str = "english") -> None:
        self.method = method
        self.language = language
        check_params(self, "selector")

    def _summarizer(self, offer: Callable[[int], bool] | None = None):
        _import_sumy()
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.kl import KLSummarizer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.lsa import LsaSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words

        classes = {
            "lexrank": LexRankSummarizer,
            "textrank": TextRankSummarizer,
            "lsa": _ordered_lsa(LsaSummarizer),
            "kl": KLSummarizer,
        }
        stemmer = Stemmer(self.language)
        summarizer = (
            _stopping_kl(KLSummarizer, offer)(stemmer)
            if self.method == "kl" and offer is not None
            else classes[self.method](stemmer)
        )
        summarizer.stop_words = get_stop_words(self.language)
        return summarizer

    def ranking(self, sentences: Sequence[Sentence]) -> list[int]:
        """Indices into ``sentences`` by descending sumy rating (ties in article order).

        sumy sorts every sentence by rating before it keeps the requested count; a callable
        count receives that sorted list, so one call gives the full ranking. (For KL-Sum that
        costs time cubic in the sentences; ``select`` stops it early instead.)
        """
        ranked: list = []

        def keep_all(infos: list) -> list:
            ranked.extend(infos)
            return infos

        self._summarizer()(_sumy_document(sentences, self.language), keep_all)
        order = [info.order for info in ranked]
        seen = set(order)
        return order + [i for i in range(len(sentences)) if i not in seen]

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        document = candidates.document
        owner = _candidate_of_sentence(candidates)
        if not (candidates.words <= budget_words).any():
            return []
        if self.method != "kl":
            return fill_budget(
                _once(owner, self.ranking(document.sentences)), candidates.words, budget_words
            )
        # KL-Sum ranks greedily, one pass over all sentences per pick: stop once full.
        picks: list[int] = []

        def offer(index: int) -> bool:
            picks.append(index)
            chosen = fill_budget(_once(owner, picks), candidates.words, budget_words)
            return _budget_full(candidates.words, chosen, budget_words)

        with suppress(_BudgetFull):
            self._summarizer(offer)(_sumy_document(document.sentences, self.language), 1)
        return fill_budget(_once(owner, picks), candidates.words, budget_words)


def _once(owner: list[int | None], sentences: Sequence[int]) -> list[int]:
    """The candidates standing for the given sentences, in order, each the first time only."""
    return list(dict.fromkeys(owner[i] for i in sentences if owner[i] is not None))


def _ordered_lsa(base: type) -> type:
    """sumy's LSA numbers its terms in set order, which changes with Python's hash seed: the
    same input then gives (slightly) different SVDs and summaries from one process to the next.
    Numbering the terms in sorted order is the same method, made repeatable."""

    class OrderedLsa(base):
        def _create_dictionary(self, document):
            words = (self.normalize_word(w) for w in document.words)
            terms = {self.stem_word(w) for w in words if w not in self._stop_words}
            return {term: row for row, term in enumerate(sorted(terms))}

    return OrderedLsa


def _stopping_kl(base: type, offer: Callable[[int], bool]) -> type:
    """sumy's KL-Sum that reports each greedy pick and stops once ``offer`` says the budget is full.

    KL-Sum picks the sentence minimising the divergence, removes it from its working list and
    repeats; ``_find_index_of_best_sentence`` is called once per pick with that list's scores.
    """

    class StoppingKL(base):
        def __call__(self, document, sentences_count):
            self._left = list(range(len(document.sentences)))
            return super().__call__(document, sentences_count)

        def _find_index_of_best_sentence(self, kls: list[float]) -> int:
            index = super()._find_index_of_best_sentence(kls)
            if offer(self._left.pop(index)):
                raise _BudgetFull
            return index

    return StoppingKL


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: float, predicted: int, reference: int) -> float:
    if overlap <= 0 or predicted == 0 or reference == 0:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


class GreedyOracleSelector:
    """Extractive upper bound: greedily adds the candidate that most raises ROUGE-1 + ROUGE-2 F1.

    It reads ``candidates.references``, so it shows how far extraction alone could go with these
    candidates and budget; it is not a summarizer. Scores use rouge-score's tokenizer (with
    Porter stemming) and are averaged over references like ``RougeEvaluator``; n-grams are
    counted within sentences, so bigrams across a sentence boundary are ignored. Stops when no
    candidate that fits improves the score. F1 rather than recall even where recall is the
    reported measure (DUC): greedy recall favours long sentences and ends up lower on recall.

    Example (the cluster must carry reference summaries)::

        chosen = GreedyOracleSelector().select(summarizer.prepare(cluster), budget_words=250)
    """

    constraints: ClassVar[dict[str, Constraint]] = {"use_stemmer": Flag()}

    def __init__(self, use_stemmer: bool = True) -> None:
        self.use_stemmer = use_stemmer
        check_params(self, "selector")

    def select(self, candidates: Candidates, budget_words: int) -> list[int]:
        if not candidates.references:
            raise ValueError(
                "selector=oracle needs reference summaries, and this cluster has none; "
                "it is an upper bound for evaluation, not a summarizer"
            )
        from rouge_score.tokenizers import DefaultTokenizer

        tokenize = DefaultTokenizer(use_stemmer=self.use_stemmer).tokenize
        orders = (1, 2)
        references = [[_ngrams(tokenize(r), n) for n in orders] for r in candidates.references]
        reference_sizes = [[sum(c.values()) for c in ref] for ref in references]
        sentence_grams = [
            [_ngrams(tokenize(s.text), n) for n in orders] for s in candidates.sentences
        ]
        sentence_sizes = [[sum(c.values()) for c in grams] for grams in sentence_grams]

        summary = [Counter() for _ in orders]
        summary_sizes = [0 for _ in orders]
        overlaps = [[0 for _ in orders] for _ in references]
        best_value = 0.0
        best_gains: list[int] = []

        def choose(open_: np.ndarray) -> int | None:
            """The first open candidate whose addition scores best, if it raises the score."""
            nonlocal best_value, best_gains
            best = None
            for index in np.flatnonzero(open_):
                value, gains = 0.0, []
                for r, ref in enumerate(references):
                    for k in range(len(orders)):
                        gain = sum(
                            min(summary[k][g] + c, ref[k][g]) - min(summary[k][g], ref[k][g])
                            for g, c in sentence_grams[index][k].items()
                            if g in ref[k]
                        )
                        gains.append(gain)
                        value += _f1(
                            overlaps[r][k] + gain,
                            summary_sizes[k] + sentence_sizes[index][k],
                            reference_sizes[r][k],
                        )
                value /= len(references)
                if value > best_value + 1e-12:
                    best_value, best, best_gains = value, int(index), gains
            return best

        def take(best: int) -> None:
            for k in range(len(orders)):
                summary[k].update(sentence_grams[best][k])
                summary_sizes[k] += sentence_sizes[best][k]
            for r in range(len(references)):
                for k in range(len(orders)):
                    overlaps[r][k] += best_gains[r * len(orders) + k]

        return greedy_fill(candidates.words, budget_words, choose, take)
