"""Stage 3: collapse near-duplicate and paraphrased sentences across articles.

Sentences are linked when their cosine similarity reaches ``threshold`` and every connected
group becomes one candidate. Grouping by connected components (single link) guarantees that no
two candidates are that similar, which is what lets every selector promise a briefing without
repeats. How many articles state a candidate, closely or loosely (``support_threshold``), is
kept as a salience signal: facts that many outlets repeat are the core of the story. Outlets
are counted as independent sources (``Document.source_of``): a republished copy of an article
adds no support, does not weigh in the centroid, and never stands for a group its original is in.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from summarize.copies import source_weights
from summarize.data import Candidates, Document


class RedundancyRemover:
    def __init__(self, threshold: float = 0.8, support_threshold: float = 0.6) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"dedup threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.support_threshold = support_threshold

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
        loose = similarity >= self.support_threshold
        ordered = sorted(groups.values(), key=lambda members: min(members))
        representatives: list[int] = []
        stated_by: list[tuple[int, ...]] = []
        for members in ordered:
            representative = min(members, key=lambda i: (bool(copied[i]), sentences[i].position, i))
            representatives.append(representative)
            stating = np.zeros(sources.max() + 1, dtype=bool)
            stating[sources[members]] = True
            stating[sources[loose[representative]]] = True
            stated_by.append(tuple(int(a) for a in np.flatnonzero(stating)))

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
            redundancy_threshold=self.threshold,
            references=document.cluster.references,
            document=document,
            source_of=document.source_of,
        )
