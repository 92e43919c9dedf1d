"""The learned pair score: how likely two candidate articles are to report one story.

A cosine alone cannot say whether 0.2 is close: for an article whose best match tonight is
0.2 it is its story, for one whose best match is 0.6 it is another story of the same kind. So
a pair is read by a few signals, and a logistic regression (scikit-learn's, fitted by
``scripts/train/train_pair_model.py`` on article pairs of streams the grouping is never scored
on) turns them into a probability of one story:

- ``words``: the TF-IDF cosine of the two articles (the grouper's view of a night);
- ``words_over_lower_best`` and ``words_over_higher_best``: that cosine over the lower and over
  the higher of the two articles' best cosines among their candidates, copies left out (local
  scaling: a pair is close when neither article has anything much closer; an article's own
  republished copy, at a word cosine of ``split.COPY`` or more, would make every other
  outlet's report look far);
- ``names``: the cosine of their names and numbers when both name someone (0 when either
  names no one, as lower-cased text: numbers alone say little); whether they name someone is
  not a signal, since it says which kind of inbox a pair comes from, not whether it is one
  story (docs/stories.md);
- ``mutual``: each is among the other's nearest neighbours.

No signal reads the neural vector, so the score means the same whichever embedder a run uses.
The model is a few numbers in JSON (``models/pair-model.json``), read only when its SHA-256 is
the one it was trained with (``shipped.read_checked``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarize.stages.group.features import NightFeatures, row_dots
from summarize.stages.group.split import COPY
from summarize.stages.shipped import read_checked

FEATURES = (
    "words",
    "words_over_lower_best",
    "words_over_higher_best",
    "names",
    "mutual",
)
FORMAT = "summarize-pair-model-1"
MODELS = Path(__file__).parent / "models"
SHIPPED = "pair-model.json"
SHIPPED_SHA256 = "30f0f27e594cd04bc8e74d1b169853dd72efde7f971e3448203126f7e89c2296"
"""The SHA-256 of the shipped model, as ``train_pair_model.py`` printed it."""
REBUILD = (
    "rebuild it with scripts/train/train_pair_model.py, reinstall the package, or group by "
    "cosine (group.grouper.score=cosine group.grouper.threshold=0.16)"
)


@dataclass(frozen=True)
class PairModel:
    """A logistic regression over ``FEATURES``, each standardised by ``mean`` and ``scale``."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    trained_on: dict

    def probability(self, signals: np.ndarray) -> np.ndarray:
        """Per row of ``signals`` (``pair_signals``): the probability of one story."""
        z = ((signals - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef)
        return 1.0 / (1.0 + np.exp(-(z + self.intercept)))

    def to_json(self) -> str:
        fields = {"format": FORMAT, "features": list(FEATURES), "mean": self.mean,
                  "scale": self.scale, "coef": self.coef, "intercept": self.intercept,
                  "trained_on": self.trained_on}  # fmt: skip
        return json.dumps(fields, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: bytes | str, path: Path) -> PairModel:
        try:
            data = json.loads(text)
            if data["format"] != FORMAT or tuple(data["features"]) != FEATURES:
                raise ValueError(f"format {data['format']!r}, features {data['features']}")
            numbers = {k: tuple(float(x) for x in data[k]) for k in ("mean", "scale", "coef")}
            if any(len(v) != len(FEATURES) for v in numbers.values()):
                raise ValueError("one number per feature expected")
            if not all(s > 0 for s in numbers["scale"]):
                raise ValueError("a scale is not positive")
            return cls(**numbers, intercept=float(data["intercept"]), trained_on=data["trained_on"])
        except (ValueError, KeyError, TypeError) as error:
            message = f"{path}: not a pair model of this version ({error}); {REBUILD}"
            raise RuntimeError(message) from error


def shipped_model(folder: Path | None = None) -> PairModel:
    """The model that ships in ``models/`` (or ``folder``), refused if damaged or missing."""
    path = (folder or MODELS) / SHIPPED
    return PairModel.from_json(read_checked(path, SHIPPED_SHA256, "pair model", REBUILD), path)


def pair_signals(
    features: NightFeatures, low: np.ndarray, high: np.ndarray, mutual: np.ndarray
) -> np.ndarray:
    """One row of ``FEATURES`` per candidate pair ``(low[p], high[p])`` of a night."""
    words = row_dots(features.text, low, high)
    # A republished copy is not a match that makes the other outlets' reports look far: an
    # article's best is read among its candidates that are not its copies.
    other = words < COPY
    best = np.zeros(len(features), dtype=np.float64)
    np.maximum.at(best, low[other], words[other])
    np.maximum.at(best, high[other], words[other])
    tiny = np.finfo(np.float32).tiny
    over_lower = words / np.maximum(np.minimum(best[low], best[high]), tiny)
    over_higher = words / np.maximum(np.maximum(best[low], best[high]), tiny)
    both = features.named[low] & features.named[high]
    names = np.where(both, row_dots(features.names, low, high), 0.0)
    return np.column_stack([words, over_lower, over_higher, names, mutual]).astype(np.float64)
