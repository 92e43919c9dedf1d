"""Runs from the composed configuration, in this process: every selector, a folder input with
bad files, and the same input and configuration giving the same bytes."""

from __future__ import annotations

import json

import pytest

from summarize.run.driver import run

from ..conftest import compose_config
from ..helpers import sample_articles


@pytest.mark.slow
def test_same_input_and_config_give_identical_summaries(tmp_path):
    outputs = []
    for name in ("first", "second"):
        cfg = compose_config(tmp_path / name, "selector=mmr", "budget.words=120")
        report = run(cfg)
        assert report.failed == 0
        outputs.append((tmp_path / name / "summaries.jsonl").read_bytes())
    assert outputs[0] == outputs[1]
    record = json.loads(outputs[0])
    assert record["words"] <= 120


@pytest.mark.parametrize(
    "selector", ["lead", "centroid", "mmr", "lexrank", "textrank", "submodular", "concepts"]
)
def test_every_selector_runs_from_the_command_line_config(selector, tmp_path):
    cfg = compose_config(tmp_path, f"selector={selector}", "embedder=tfidf", "budget.words=100")
    report = run(cfg)
    record = json.loads((tmp_path / "summaries.jsonl").read_text())
    assert report.failed == 0 and 0 < record["words"] <= 100


def test_folder_input_with_bad_files_still_summarizes_the_rest(tmp_path):
    clusters = tmp_path / "clusters"
    good = clusters / "bridge"
    good.mkdir(parents=True)
    for number, text in enumerate(sample_articles()):
        (good / f"{number}.txt").write_text(text, encoding="utf-8")
    (good / "scan.txt").write_bytes(b"\x00\x01\x02binary")
    (good / "legacy.txt").write_bytes("Stra\xdfe gesperrt".encode("latin-1"))
    broken = clusters / "broken"
    broken.mkdir()
    (broken / "empty.md").write_bytes(b"")
    cfg = compose_config(tmp_path / "out", f"input.path={clusters}", "embedder=tfidf")
    report = run(cfg)
    assert report.succeeded == 1 and [f["id"] for f in report.failures] == ["broken"]
    assert "empty.md: empty file" in report.failures[0]["reason"]
    record = json.loads((tmp_path / "out" / "summaries.jsonl").read_text())
    warnings = " | ".join(record["warnings"])
    assert "scan.txt: binary file" in warnings and "legacy.txt: not UTF-8" in warnings
