"""Self-scoring against reference summaries, when the input has them.

ROUGE F1 (and precision / recall) with stemming via ``rouge-score``, each summary cut to the
word budget first. With several references a score is the mean over references, the DUC
convention. ``rougeLsum`` sees one sentence per line, as the metric requires.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from summarize.stages.split import punkt_tokenizer


def truncate_words(sentences: Sequence[str], budget_words: int) -> list[str]:
    """The summary's sentences cut to the first ``budget_words`` words (the last may be cut)."""
    kept: list[str] = []
    remaining = budget_words
    for sentence in sentences:
        if remaining <= 0:
            break
        words = sentence.split()
        kept.append(" ".join(words[:remaining]))
        remaining -= len(words)
    return kept


class RougeEvaluator:
    def __init__(
        self,
        metrics: Sequence[str] = ("rouge1", "rouge2", "rougeLsum"),
        use_stemmer: bool = True,
        budget_words: int | None = 250,
    ) -> None:
        from rouge_score import rouge_scorer

        self.metrics = tuple(metrics)
        self.use_stemmer = use_stemmer
        self.budget_words = budget_words
        self._scorer = rouge_scorer.RougeScorer(list(self.metrics), use_stemmer=use_stemmer)

    def score(self, summary: Sequence[str], references: Sequence[str]) -> dict[str, float]:
        """``{metric}_{p,r,f}`` averaged over references, in percent."""
        if not references:
            raise ValueError("no reference summary to score against")
        if self.budget_words is not None:
            summary = truncate_words(summary, self.budget_words)
        prediction = "\n".join(summary)
        totals: dict[str, list[float]] = {}
        tokenizer = punkt_tokenizer()
        for reference in references:
            target = "\n".join(tokenizer.tokenize(" ".join(reference.split())))
            for metric, value in self._scorer.score(target, prediction).items():
                for part, number in zip("prf", value, strict=True):
                    totals.setdefault(f"{metric}_{part}", []).append(100.0 * number)
        return {key: float(np.mean(values)) for key, values in totals.items()}


def mean_scores(per_cluster: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = sorted({key for scores in per_cluster for key in scores})
    return {key: float(np.mean([scores[key] for scores in per_cluster])) for key in keys}
