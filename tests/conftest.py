"""Shared test fixtures: the real embedding model, loaded once, and Hydra composition."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from omegaconf import DictConfig

from summarize import cli
from summarize.run.driver import SAMPLE_DIR
from summarize.stages.embed import SentenceTransformerEmbedder
from summarize.stages.ingest import read_clusters

FIXTURES = Path(__file__).parent / "fixtures"


MODEL_CACHE = Path(
    os.environ.get("SUMMARIZE_TEST_CACHE", Path.home() / ".cache" / "summarize-tests")
)
"""Where the test sessions keep the exported model (never sentence vectors): the inner loop
exports MiniLM once, not once a session. The key names the model and the libraries'
versions, so an upgrade exports it again."""


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The embedder users get (MiniLM, onnx-int8, one sentence a call), its exported model kept
    in ``MODEL_CACHE`` and no sentence vector cached, so every vector is computed."""
    return SentenceTransformerEmbedder(cache_dir=str(MODEL_CACHE), cache_vectors=False)


@pytest.fixture(scope="session")
def sample_cluster():
    (cluster,) = list(read_clusters(SAMPLE_DIR))
    return cluster


def summarizer_per_option(out: Path, group: str, options: tuple[str, ...], *overrides: str) -> dict:
    """``{option: Summarizer}`` for each option of one config group, the rest as configured."""
    from summarize.run.worker import build_summarizer

    return {
        option: build_summarizer(compose_config(out, *overrides, f"{group}={option}"))
        for option in options
    }


def summaries_per_option(
    out: Path, input_path: Path, group: str, options: tuple[str, ...], *overrides: str
) -> list[bytes]:
    """The bytes of ``summaries.jsonl`` from a run per option of one config group."""
    from summarize.run.driver import run

    outputs = []
    for option in options:
        folder = out / option
        run(compose_config(folder, f"input.path={input_path}", f"{group}={option}", *overrides))
        outputs.append((folder / "summaries.jsonl").read_bytes())
    return outputs


def compose_config(output_dir: Path, *overrides: str) -> DictConfig:
    """The app's configuration as ``python -m summarize`` would build it, with overrides."""
    return cli.compose_config(f"output.dir={output_dir}", *overrides)
