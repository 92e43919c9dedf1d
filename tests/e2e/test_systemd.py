"""systemd itself accepts the nightly units in deploy/ (``systemd-analyze verify``, a process)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ..unit.test_schedule import PYTHON, SERVICE, TIMER


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_systemd_accepts_the_units(tmp_path):
    # verify checks that ExecStart is executable: point it at this interpreter.
    (tmp_path / SERVICE.name).write_text(SERVICE.read_text().replace(PYTHON, sys.executable))
    (tmp_path / TIMER.name).write_text(TIMER.read_text())
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "summarize-nightly" not in result.stderr, result.stderr
