"""What several test modules share: an inbox of invented stories built from the bundled sample,
reading a run's files back, and the command line run two ways: in this process (unit tests)
or as a real process (end-to-end tests only)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from summarize import cli
from summarize.run.driver import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = SAMPLE_DIR / "ostrey-bridge-collapse"
CLUSTERS = 14
JOB_LOGGING = OmegaConf.load(ROOT / "conf" / "hydra" / "job_logging" / "summarize.yaml")
DEPLOY = ROOT / "deploy"
SERVICE = DEPLOY / "systemd" / "summarize-nightly.service"
TIMER = DEPLOY / "systemd" / "summarize-nightly.timer"
CRON = DEPLOY / "cron" / "summarize-nightly"
DEPLOYED_PYTHON = "/opt/summarize/.venv/bin/python"
"""The interpreter the deploy/ units name."""


def entry_key(number: int) -> str:
    """A cache key (a SHA-256 hex digest) for the number."""
    return hashlib.sha256(str(number).encode()).hexdigest()


def sample_articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.iterdir())]


def inbox(folder: Path, clusters: int = CLUSTERS, grow: set[int] = frozenset()) -> Path:
    """A JSONL inbox of distinct stories built from the sample's articles.

    Cluster ``i`` takes a different subset of the articles plus one line of its own, so every
    briefing differs; clusters in ``grow`` get one more article (a story that grew overnight).
    """
    articles = sample_articles()
    lines = []
    for number in range(clusters):
        chosen = [articles[(number + k) % len(articles)] for k in range(3)]
        chosen[0] += (
            f"\n\nInspectors said on day {number + 2} that pier {number + 1} of the Ostrey Street "
            f"Bridge showed {number + 3} new cracks in its lifting machinery."
        )
        if number in grow:
            chosen.append(
                "Divers recovered a fourth car from the Tallis River on Thursday, the fire "
                "department said, and the city council voted to fund a temporary ferry service."
            )
        lines.append(json.dumps({"id": f"story-{number:02d}", "documents": chosen}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "inbox.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "summaries.jsonl").read_text().splitlines()]


def every_file_parses(folder: Path, killed: bool = False) -> None:
    """No half-written file anywhere: every JSON parses, every page ends where it should.

    A writer killed mid-write (``killed``) may leave its temporary ``.part`` file, which no
    reader opens and the next run removes; otherwise none may be left."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(".part"):
            assert killed, f"temporary file left behind: {path}"
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                json.loads(line)
        elif path.suffix == ".html":
            assert path.read_text().rstrip().endswith("</html>"), path
        elif path.suffix == ".md":
            assert "## Sources" in path.read_text(), path


@dataclass(frozen=True)
class Finished:
    """How a command ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*arguments: str, cwd: Path) -> Finished:
    """``python -m summarize ARGUMENTS`` run in this process by ``cli.main``, from ``cwd``.

    The same composition, checks, runs and exit statuses as the command, without starting a
    process. Hydra is told to leave logging alone (its set-up closes every handler the process
    ever made, pytest's capture streams among them); the run's console logging of
    ``conf/hydra/job_logging/summarize.yaml`` is attached here instead, and every change to
    logging, the working directory and ``sys.argv`` is put back after.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    console = logging.StreamHandler(stderr)
    console.setFormatter(logging.Formatter(JOB_LOGGING.formatters.simple.format))
    root, loggers = logging.getLogger(), [logging.getLogger(n) for n in JOB_LOGGING.loggers]
    levels = [root.level, *(logger.level for logger in loggers)]
    root.setLevel(JOB_LOGGING.root.level)
    for logger in loggers:
        logger.setLevel(JOB_LOGGING.loggers[logger.name].level)
    root.addHandler(console)
    argv, previous = sys.argv, Path.cwd()
    status = 0
    os.chdir(cwd)
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            try:
                cli.main(["hydra/job_logging=none", "hydra/hydra_logging=none", *arguments])
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    finally:
        os.chdir(previous)
        sys.argv = argv
        root.removeHandler(console)
        for logger, level in zip([root, *loggers], levels, strict=True):
            logger.setLevel(level)
        GlobalHydra.instance().clear()
    return Finished(status, stdout.getvalue(), stderr.getvalue())


def start_cli(
    *arguments: str, cwd: Path, env: dict[str, str] | None = None, wait: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess | subprocess.Popen:  # fmt: skip
    """``python -m summarize ARGUMENTS`` as a real process (end-to-end tests only), importing
    this checkout's code; ``wait=False`` returns the running process, to signal or kill."""
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
    environment = {**os.environ, "PYTHONPATH": path, **(env or {})}
    command = [sys.executable, "-m", "summarize", *arguments]
    if not wait:
        return subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )


def story(name: str, town: str) -> str:
    """An invented flood-barrier article naming a firm and a town."""
    return (
        f"{town} council approved a new flood barrier on Monday after the river rose two metres "
        f"in a week. The {name} engineering firm will build it over the next eighteen months. "
        f"Residents of {town} said the barrier was long overdue. The council will pay for it "
        f"with a bond that voters approved last spring.\n\nThe barrier will be four kilometres "
        f"long. Work begins in March, the {name} firm said, and the riverside path will close."
    )
