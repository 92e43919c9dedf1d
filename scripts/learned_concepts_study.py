"""Would learned concept weights beat counting sources? A supervised study, Li et al. (2013) style.

The default selector weighs a concept (stemmed word bigram) by the number of sources using it.
This study learns the weight instead: a logistic regression predicts whether a concept of the
cluster appears in the reference summary from what the cluster says about it, and the selector
then covers the concepts with the highest predicted probability. It trains on clusters of one
file and scores the default and the learned weighting on others, with everything else at its
default; training clusters whose reference is also in an evaluation file are left out.

    python scripts/learned_concepts_study.py TRAIN.jsonl EVAL.jsonl [EVAL2.jsonl ...] \\
        [--train-clusters 1500] [--budget 250] [--all-concepts] [--metric rouge2_r] \
        [--override key=value ...]

Features of a concept: the share and number of sources that use it, its count (log), the
earliest position of a sentence using it, the share of sources that use it in their first
sentence, whether one of its two words is a stop word, whether it has a digit, and whether at
least two sources use it (alone and times the share and the position). By default only the
concepts the default selector keeps (its frequency floor) are weighted; ``--all-concepts``
weighs every concept.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
from hydra.utils import instantiate
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from summarize.cli import compose_config
from summarize.data import Article, Candidates
from summarize.output.evaluate import mean_scores
from summarize.pipeline import Summarizer
from summarize.run.worker import build_summarizer
from summarize.stages.features import bigram_concepts
from summarize.stages.ingest import ClusterFailure, read_clusters
from summarize.stages.select.selectors import ConceptCoverageSelector

Concept = tuple[str, str]
Row = tuple[int, int, str]  # source, position in its article, text


def concept_features(rows: list[Row]) -> dict[Concept, list[float]]:
    """Per concept of the sentences ``rows``, the features the model reads."""
    sources = max(1, len({source for source, _, _ in rows}))
    seen: dict[Concept, tuple[set[int], list[int], set[int]]] = {}
    for source, position, text in rows:
        for concept in bigram_concepts(text):
            users, counts, firsts = seen.setdefault(concept, (set(), [0, 99], set()))
            users.add(source)
            counts[0] += 1
            counts[1] = min(counts[1], position)
            if position == 0:
                firsts.add(source)
    features = {}
    for concept, (users, (count, first), firsts) in seen.items():
        share = len(users) / sources
        shared = float(len(users) >= 2)
        lead = 1.0 / (1 + first)
        stop = (concept[0] in ENGLISH_STOP_WORDS) + (concept[1] in ENGLISH_STOP_WORDS)
        features[concept] = [
            share,
            min(len(users), 10) / 10,
            math.log1p(count),
            lead,
            len(firsts) / sources,
            float(stop == 1),
            float(any(c.isdigit() for c in concept[0] + concept[1])),
            shared,
            shared * share,
            shared * lead,
        ]
    return features


class LearnedConceptSelector(ConceptCoverageSelector):
    """The default selector, covering concepts weighted by a fitted classifier's probability
    that the reference uses them."""

    def __init__(self, model, base: ConceptCoverageSelector, all_concepts: bool) -> None:
        self.__dict__.update(vars(base))
        self.model = model
        self.all_concepts = all_concepts

    def weigh_concepts(self, candidates: Candidates) -> dict[Concept, float]:
        document = candidates.document
        rows = [(document.source(s.article), s.position, s.text) for s in document.sentences]
        features = concept_features(rows)
        if not self.all_concepts:
            kept = super().weigh_concepts(candidates)
            features = {c: f for c, f in features.items() if c in kept}
        if not features:
            return {}
        concepts = sorted(features)
        probability = self.model.predict_proba(np.array([features[c] for c in concepts]))[:, 1]
        return dict(zip(concepts, probability.tolist(), strict=True))


def training_set(summarizer: Summarizer, path: Path, limit: int, held_out: set[str]):
    """Features and labels of the concepts of up to ``limit`` clusters (shuffled, seed 0)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(0).shuffle(lines)
    features: list[list[float]] = []
    labels: list[bool] = []
    used = 0
    for line in lines:
        if used == limit:
            break
        record = json.loads(line)
        if " ".join(record["summaries"][0].split()) in held_out:
            continue
        texts = [d if isinstance(d, str) else d.get("text", "") for d in record["documents"]]
        rows: list[Row] = []
        for index, text in enumerate(texts):
            article = Article(index, text, f"{path.name}:{record['id']}#{index}")
            cleaned = summarizer.cleaner.clean(article)
            sentences, _ = summarizer.splitter.split(cleaned)
            rows.extend((article.index, s.position, s.text) for s in sentences)
        in_reference = set().union(*(bigram_concepts(r) for r in record["summaries"]))
        for concept, values in concept_features(rows).items():
            features.append(values)
            labels.append(concept in in_reference)
        used += 1
    return np.array(features), np.array(labels), used


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, help="JSONL clusters with reference summaries")
    parser.add_argument("evaluate", type=Path, nargs="+", help="JSONL clusters to score")
    parser.add_argument("--train-clusters", type=int, default=1500)
    parser.add_argument("--budget", type=int, default=250)
    parser.add_argument("--all-concepts", action="store_true")
    parser.add_argument("--metric", default="rouge2_f", help="e.g. rouge2_r for DUC")
    parser.add_argument("--override", action="append", default=[], help="a Hydra override")
    args = parser.parse_args(argv)
    cfg = compose_config(f"budget.words={args.budget}", *args.override)
    default = build_summarizer(cfg)
    evaluator = instantiate(cfg.evaluation)
    held_out = {
        " ".join(json.loads(line)["summaries"][0].split())
        for path in args.evaluate
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    x, y, used = training_set(default, args.train, args.train_clusters, held_out)
    model = LogisticRegression(max_iter=2000).fit(x, y)
    print(f"trained on {used} clusters, {len(y):,} concepts, {y.mean():.1%} in the reference")
    print("coefficients:", np.round(model.coef_[0], 2).tolist())
    learned = copy.copy(default)
    assert isinstance(default.selector, ConceptCoverageSelector)
    learned.selector = LearnedConceptSelector(model, default.selector, args.all_concepts)
    metric = args.metric
    for path in args.evaluate:
        scores: dict[str, list[dict[str, float]]] = {"sources (default)": [], "learned": []}
        for cluster in read_clusters(path):
            if isinstance(cluster, ClusterFailure):
                print(f"skipped {cluster.id}: {cluster.reason}", file=sys.stderr)
                continue
            for name, summarizer in (("sources (default)", default), ("learned", learned)):
                briefing = summarizer.summarize(cluster)
                text = [s.text for s in briefing.sentences]
                scores[name].append(evaluator.score(text, cluster.references))
        for name, per_cluster in scores.items():
            mean = mean_scores(per_cluster)
            print(
                f"{path.name} {args.budget} words, {name}: R-1 {mean['rouge1_f']:.2f} F1, "
                f"{metric} {mean[metric]:.2f} ({len(per_cluster)} clusters)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
