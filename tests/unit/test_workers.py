"""What the driver sends to a worker: the worker and the summarizer it builds pickle (the
default one after use too, its model left behind), and workers share the cores unless told."""

from __future__ import annotations

import pickle

import pytest
from omegaconf import OmegaConf

from summarize.run.executors.base import with_threads
from summarize.run.executors.processes import ProcessExecutor
from summarize.run.worker import ClusterWorker, build_summarizer

from ..conftest import compose_config


def test_a_built_worker_and_summarizer_pickle(sample_cluster, tmp_path):
    cfg = compose_config(tmp_path, "embedder=tfidf")
    summarizer = build_summarizer(cfg)
    copy = pickle.loads(pickle.dumps(summarizer))
    assert copy.summarize(sample_cluster).text == summarizer.summarize(sample_cluster).text
    worker = ClusterWorker(OmegaConf.to_container(cfg, resolve=True))
    outcome = worker(sample_cluster, key="k")
    clone = pickle.loads(pickle.dumps(worker))
    assert clone(sample_cluster, key="k").result.record == outcome.result.record


@pytest.mark.slow  # builds and runs the MiniLM model
def test_a_built_and_used_default_summarizer_pickles(sample_cluster, tmp_path):
    summarizer = build_summarizer(compose_config(tmp_path))  # MiniLM, 8-bit ONNX
    briefing = summarizer.summarize(sample_cluster)
    copy = pickle.loads(pickle.dumps(summarizer))
    assert copy.embedder._model is None and copy.embedder._session is None
    assert copy.summarize(sample_cluster).text == briefing.text
    assert summarizer.embedder._session is not None  # the original keeps its loaded model


def test_workers_share_the_cores_unless_told(tmp_path):
    config = OmegaConf.to_container(compose_config(tmp_path), resolve=True)
    shared = with_threads(ClusterWorker(config), 3)
    assert shared.config["embedder"]["threads"] == 3
    assert config["embedder"]["threads"] is None  # the driver's configuration is untouched
    config["embedder"]["threads"] = 1
    assert with_threads(ClusterWorker(config), 3).config["embedder"]["threads"] == 1
    tfidf = OmegaConf.to_container(compose_config(tmp_path, "embedder=tfidf"), resolve=True)
    assert "threads" not in with_threads(ClusterWorker(tfidf), 3).config["embedder"]
    assert ProcessExecutor(workers=2).timeout_s == 600
