"""How well a grouping of articles into stories agrees with gold stories.

Two standard scores, both from the contingency table of gold story against predicted story, so
each is linear in the number of articles:

- pair ("standard") precision/recall/F1: over all pairs of articles, a pair put together is a
  true positive when gold also has it together (the score of Miranda et al. 2018);
- BCubed precision/recall/F1 (Bagga and Baldwin 1998; Amigó et al. 2009): per article, the
  share of its predicted story that shares its gold story (precision) and the share of its gold
  story that is in its predicted story (recall), averaged over articles. Unlike the pair score it
  does not let the large stories dominate.

A grouping with no pair put together has pair precision 1 (it asserts nothing false); gold with
no pair has pair recall 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}{key}": value for key, value in asdict(self).items()}


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _table(
    gold: Sequence[Hashable], predicted: Sequence[Hashable]
) -> tuple[Counter, Counter, Counter]:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted ones")
    if not gold:
        raise ValueError("no articles to score")
    return Counter(zip(gold, predicted, strict=True)), Counter(gold), Counter(predicted)


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def pair_scores(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """Pairwise precision, recall and F1 of ``predicted`` labels against ``gold`` labels."""
    both, gold_sizes, predicted_sizes = _table(gold, predicted)
    together = sum(_pairs(n) for n in both.values())
    claimed = sum(_pairs(n) for n in predicted_sizes.values())
    true = sum(_pairs(n) for n in gold_sizes.values())
    precision = together / claimed if claimed else 1.0
    recall = together / true if true else 1.0
    return Scores(precision, recall, _f1(precision, recall))


def bcubed_scores(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """BCubed precision, recall and F1 of ``predicted`` labels against ``gold`` labels."""
    both, gold_sizes, predicted_sizes = _table(gold, predicted)
    total = len(gold)
    precision = sum(n * n / predicted_sizes[p] for (_, p), n in both.items()) / total
    recall = sum(n * n / gold_sizes[g] for (g, _), n in both.items()) / total
    return Scores(precision, recall, _f1(precision, recall))


def grouping_scores(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> dict[str, float]:
    """Both scores as one flat record, the shape ``metrics.json`` and the manifest carry."""
    return {
        **pair_scores(gold, predicted).as_dict("pair_"),
        **bcubed_scores(gold, predicted).as_dict("bcubed_"),
        "articles": len(gold),
        "gold_stories": len(set(gold)),
        "stories": len(set(predicted)),
    }
