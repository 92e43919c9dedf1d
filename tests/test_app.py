"""End to end: ``python -m summarize`` as users run it, on real text and on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from summarize.run.driver import SAMPLE_DIR, run

from .conftest import compose_config

SAMPLE_ID = "ostrey-bridge-collapse"
REFERENCE = (
    "The central span of the Ostrey Street Bridge in Vellmont fell into the Tallis River during "
    "Tuesday's evening rush hour, killing three people and injuring 17; two are missing. Mayor "
    "Dorothea Quayle declared a state of emergency and ordered all 11 city bridges inspected. A "
    "2021 inspection had rated the lifting machinery poor, and repairs were deferred."
)


def summarize_cli(*overrides: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "summarize", *overrides],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def sample_articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((SAMPLE_DIR / SAMPLE_ID).iterdir())]


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> Path:
    """A JSONL batch mixing good clusters with every kind of bad input."""
    articles = sample_articles()
    varied = " ".join(
        f"Inspectors counted {i} cracked rivets on pier {i % 7} of the old bridge on day {i}."
        for i in range(14000)
    )  # about 200,000 words in one article
    lines = [
        json.dumps({"id": "bridge", "documents": articles, "summaries": [REFERENCE]}),
        '{"id": "torn", "documents": ["half a line',
        json.dumps({"id": "single", "documents": [articles[1]]}),
        json.dumps({"id": "twins", "documents": [articles[1]] * 3}),
        json.dumps({"id": "huge", "documents": [varied, articles[2]]}),
        json.dumps({"id": "blank", "documents": ["", "   "]}),
        json.dumps({"id": "debris", "documents": ["Skip to main content\nSubscribe\nShare"]}),
    ]
    path = tmp_path_factory.mktemp("input") / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_default_run_summarizes_the_bundled_sample_from_any_directory(tmp_path):
    result = summarize_cli("embedder=tfidf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 briefing(s) in" in result.stdout and "(1 written, 0 complete already" in result.stdout
    (run_dir,) = (tmp_path / "outputs").glob("*/*")  # dated folder under ./outputs
    (record,) = [json.loads(line) for line in (run_dir / "summaries.jsonl").open()]
    assert record["id"] == "ostrey-bridge-collapse"
    assert "Tallis River" in record["summary"] and 150 <= record["words"] <= 250
    for sentence in record["sentences"]:
        source = Path(sentence["source"]).read_text(encoding="utf-8")
        assert sentence["text"] in " ".join(source.split())
        assert sentence["article"] not in sentence["also_in"]
    assert any(s["also_in"] for s in record["sentences"]), "shared facts name their other sources"
    markdown = (run_dir / "briefings" / "ostrey-bridge-collapse.md").read_text()
    assert markdown.startswith("# ") and "## Sources" in markdown
    assert "2. Three dead as lift bridge span falls into river in Vellmont" in markdown
    html = (run_dir / "briefings" / "ostrey-bridge-collapse.html").read_text()
    assert "<h1>" in html and "Tallis River" in html
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["counts"]["succeeded"] == 1
    assert manifest["config"]["embedder"]["_target_"].endswith("TfidfEmbedder")
    assert len(manifest["input"]["files"]) == 4
    assert all(len(h) == 64 for h in manifest["input"]["files"].values())
    assert "torch" in manifest["environment"]["packages"]


@pytest.mark.slow
def test_bad_inputs_fail_alone_and_set_the_exit_status(bad_inputs, tmp_path):
    out = tmp_path / "out"
    result = summarize_cli(f"input.path={bad_inputs}", f"output.dir={out}", cwd=tmp_path)
    assert result.returncode == 1
    assert "3 cluster(s) failed" in result.stderr
    records = {
        json.loads(line)["id"]: json.loads(line) for line in (out / "summaries.jsonl").open()
    }
    assert set(records) == {"bridge", "single", "twins", "huge"}
    manifest = json.loads((out / "manifest.json").read_text())
    failures = {f["id"]: f["reason"] for f in manifest["failures"]}
    assert set(failures) == {"line-2", "blank", "debris"}
    assert f"{bad_inputs}:2: malformed JSON" in failures["line-2"]
    assert "empty article" in failures["blank"]
    assert "no article has story text after cleaning" in failures["debris"]
    warnings = " | ".join(records["single"]["warnings"])
    assert "only one article" in warnings
    twins = " | ".join(records["twins"]["warnings"])
    assert "same text as article 0" in twins
    assert "republishes" not in twins  # one warning for one identical copy, not two
    assert len(records["twins"]["sentences"]) == len(
        {s["text"] for s in records["twins"]["sentences"]}
    )
    # identical articles are one source: no sentence is "also reported" by a copy of itself
    assert all(s["also_in"] == [] for s in records["twins"]["sentences"])
    assert records["twins"]["republished"] == [
        {"article": 1, "copy_of": 0},
        {"article": 2, "copy_of": 0},
    ]
    assert "only its first 200 sentences" in " | ".join(records["huge"]["warnings"])
    assert records["huge"]["words"] <= 250
    assert manifest["timings"]["peak_rss_mb"] < 1500
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["clusters_scored"] == 1 and metrics["mean"]["rouge2_f"] > 10


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


@pytest.mark.slow
def test_bad_override_is_refused_before_any_work(tmp_path):
    result = summarize_cli("budget.words=many", f"output.dir={tmp_path}", cwd=tmp_path)
    assert result.returncode != 0
    assert "budget.words" in result.stderr


@pytest.mark.slow
def test_peak_memory_is_the_runs_own_not_its_parents():
    ballast = np.ones(500 * 2**20 // 8)  # 500 MB resident in this (parent) process
    child = subprocess.run(
        [sys.executable, "-c", "from summarize.pipeline import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert ballast.sum() > 0
    assert 10 < float(child.stdout) < 300
