"""The command line's contract, run in this process by ``cli.main``: usage mistakes get one
clear line and status 2 before any work, ``--help`` and ``--cfg`` print from any directory, and
bad executor settings (or a missing Ray) are refused before a worker starts. (The command as
a real process, its exit statuses and signals, is tested in tests/e2e/.)"""

from __future__ import annotations

import pytest

from ..helpers import run_cli


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["input.path=/no/such/inbox"], "input.path=/no/such/inbox: no such file or folder"),
        (["budget.words=0"], "budget.words must be a whole number >= 1, got 0"),
        (["rewriter=transformers"], "rewriter.model is required: pass rewriter.model="),
        (["rewriter=llama_cpp", "rewriter.model=/no/model.gguf"],
         "rewriter.model=/no/model.gguf: no such file or folder"),
        (["dedup.threshold=3"], "dedup: dedup.threshold must be in (0, 1], got 3"),
        (["budget.words=many"], "budget.words"),
    ],
)  # fmt: skip
def test_usage_mistakes_get_one_clear_line_and_status_2(overrides, message, tmp_path):
    out = tmp_path / "out"
    result = run_cli("embedder=tfidf", *overrides, f"output.dir={out}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_help_describes_the_tool(tmp_path):
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for expected in ("one briefing from a cluster", "input.path", "experiment=nightly", "Exit"):
        assert expected in result.stdout


def test_resolved_config_prints_from_any_directory(tmp_path):
    result = run_cli("experiment=nightly", "night=2026-11-30", "--cfg", "job", "--resolve",
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dir: outputs/nightly/2026-11-30" in result.stdout


def test_executor_ray_without_ray_says_what_to_install(tmp_path, monkeypatch):
    from summarize.run.executors import ray as ray_executor

    monkeypatch.setattr(ray_executor, "ray", None)  # what its ``import ray`` leaves without Ray
    result = run_cli("executor=ray", f"output.dir={tmp_path / 'out'}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "summarize: executor: executor=ray needs Ray: pip install -e '.[ray]' (or pip install ray)"
    ]
    assert not (tmp_path / "out" / "summaries.jsonl").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("executor.workers=0", "executor.workers must be a whole number >= 1 or null, got 0"),
        ("executor.max_tries=0", "executor.max_tries must be a whole number >= 1, got 0"),
        ("executor.timeout_s=-1", "executor.timeout_s must be a number > 0 or null, got -1"),
        ("executor.start_method=fork",
         "executor.start_method must be one of 'spawn', 'forkserver', got 'fork'"),
        # a cron line from before the rename: told the new spelling, then checked the same way
        ("runner.workers=0", "'runner.workers=0' is deprecated, write 'executor.workers=0'\n"
         "summarize: executor: executor.workers must be a whole number >= 1 or null, got 0"),
    ],
)  # fmt: skip
def test_bad_executor_settings_are_refused_before_any_work(override, message, tmp_path):
    result = run_cli("executor=processes", override, f"output.dir={tmp_path / 'out'}",
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())
