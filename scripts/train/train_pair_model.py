"""Fits the grouper's pair model (``summarize/stages/group/pairs.py``) and writes it into the
package.

    python scripts/eval/story_streams.py ../shared/data /tmp/story_streams
    python scripts/train/train_pair_model.py /tmp/story_streams/pairs_train/night*.jsonl

Each stream (``story_streams.py``'s ``pairs_train/``: a dense night and a sparse one) is read
as a night: its articles cleaned and embedded as ``eval_stories.py`` reads every stream, its
candidate pairs the grouper's own (each article's nearest neighbours), each pair labelled by
whether its two articles are of one gold story. scikit-learn's ``LogisticRegression`` (its
defaults: L2, C=1) is fitted on the standardised signals of ``pairs.pair_signals`` of all the
nights' pairs. Nothing is chosen here: the signals, the nights and the learner were fixed
before the fit, and the grouping's cut is chosen afterwards on the evaluation streams
(docs/stories.md). Prints the file's SHA-256, which goes into ``pairs.SHIPPED_SHA256``; the
same nights give the same file byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

# The evaluation's reading of a stream (cleaning, cached vectors), so the model is fitted on
# pairs exactly as the grouping is scored on them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from eval_stories import Vectors, night_features, read_stream

from summarize.stages.clean.cleaner import BoilerplateCleaner
from summarize.stages.group import StoryGrouper
from summarize.stages.group.pairs import MODELS, SHIPPED, PairModel, pair_signals

DIGITS = 8


def labelled_pairs(stream: Path, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """The signals of the stream's candidate pairs and whether each is of one gold story."""
    articles, gold = read_stream(stream, BoilerplateCleaner())
    vectors = Vectors(cache).opening(f"{stream.parent.name}-{stream.stem}", articles)
    features, dates, ordered_gold = night_features(articles, gold, vectors)
    graph = StoryGrouper(score="cosine").graph(features, dates)
    story = np.array(ordered_gold)
    signals = pair_signals(features, graph.low, graph.high, graph.mutual)
    return signals, story[graph.low] == story[graph.high]


def fit(signals: np.ndarray, same: np.ndarray, nights: list[str]) -> PairModel:
    scaler = StandardScaler().fit(signals)
    regression = LogisticRegression(max_iter=5000).fit(scaler.transform(signals), same)
    rounded = lambda values: tuple(round(float(v), DIGITS) for v in values)  # noqa: E731
    return PairModel(
        mean=rounded(scaler.mean_),
        scale=rounded(scaler.scale_),
        coef=rounded(regression.coef_[0]),
        intercept=round(float(regression.intercept_[0]), DIGITS),
        trained_on={
            "nights": nights,
            "pairs": len(same),
            "same_story": int(same.sum()),
            "learner": "sklearn LogisticRegression, C=1, standardised signals",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("nights", type=Path, nargs="+", help="pairs_train/night*.jsonl of "
                        "story_streams.py")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories-cache"))
    parser.add_argument("--out", type=Path, default=MODELS / SHIPPED)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    pairs = [labelled_pairs(night, args.cache) for night in args.nights]
    names = [f"{night.parent.name}/{night.name}" for night in args.nights]
    model = fit(np.vstack([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]), names)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(model.to_json())
    print(f"{args.out}: SHA-256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
