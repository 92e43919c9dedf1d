"""The scheduling units in deploy/: well formed, and their command is a valid summarize run."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

from summarize.cli import compose_config

from ..helpers import CRON, SERVICE, TIMER
from ..helpers import DEPLOYED_PYTHON as PYTHON


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def summarize_overrides(command: str, environment: dict[str, str]) -> list[str]:
    """The Hydra overrides of a ``python -m summarize ...`` command line, variables expanded."""
    for name, value in environment.items():
        command = command.replace(f"${{{name}}}", value)
    words = shlex.split(command)
    start = words.index("summarize") + 1
    return [w for w in words[start:] if "=" in w and not w.startswith((">", "2>"))]


def compose_overrides(overrides: list[str]):
    return compose_config(*overrides)


def test_service_runs_the_nightly_experiment_and_tolerates_a_busy_folder():
    service = unit(SERVICE)["Service"]
    assert service["Type"] == "oneshot"
    assert service["SuccessExitStatus"] == "75"
    assert service["KillSignal"] == "SIGTERM"
    environment = dict(
        line.split("=", 1) for line in SERVICE.read_text().splitlines()
        if line.startswith("Environment=")
        for line in [line.removeprefix("Environment=")]
    )  # fmt: skip
    command = service["ExecStart"]
    assert command.startswith(PYTHON + " -m summarize ")
    cfg = compose_overrides(summarize_overrides(command, environment))
    assert cfg.input.path == "/var/lib/summarize/inbox"
    assert cfg.output.root == "/var/lib/summarize/nightly"
    assert cfg.run.latest_link == "latest" and cfg.run.progress == "log"


def test_timer_is_nightly_and_catches_up_after_downtime():
    timer = unit(TIMER)
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_cron_line_is_guarded_with_flock_and_composes():
    (line,) = [
        line for line in CRON.read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]  # fmt: skip
    fields = line.split(maxsplit=6)
    minute, hour, day, month, weekday, user, command = fields
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*")
    assert user == "summarize"
    assert "flock -n " in command and f"{PYTHON} -m summarize experiment=nightly" in command
    cfg = compose_overrides(summarize_overrides(command, {}))
    assert cfg.input.path == "/var/lib/summarize/inbox"
