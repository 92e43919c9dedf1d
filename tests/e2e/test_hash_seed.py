"""A baseline gives the same summary in every process, whatever Python's hash seed: the
check needs fresh interpreters started with different ``PYTHONHASHSEED`` values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarize.cli import compose_config
from summarize.run.worker import build_summarizer
from summarize.stages.ingest import read_clusters

pytest.importorskip("sumy")

CLUSTERS = Path(__file__).parents[1] / "fixtures" / "compare" / "compare_clusters.jsonl"


def test_lsa_gives_the_same_summary_whatever_the_hash_seed() -> None:
    """sumy numbers LSA terms in set order, so each process could pick differently."""
    summarizer = build_summarizer(compose_config("embedder=tfidf", "output.dir=unused"))
    candidates = summarizer.prepare(next(iter(read_clusters(CLUSTERS))))
    script = (
        "import json, sys\n"
        "from summarize.stages.select.baselines import SumySelector\n"
        "from summarize.data import Sentence\n"
        "texts = json.loads(sys.stdin.read())\n"
        "sentences = [Sentence(text=t, article=0, position=i) for i, t in enumerate(texts)]\n"
        "print(SumySelector('lsa').ranking(sentences))\n"
    )
    texts = json.dumps([s.text for s in candidates.document.sentences])
    rankings = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=texts,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "3", "7")
    }
    assert len(rankings) == 1
