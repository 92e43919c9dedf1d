"""The guard of the fast loop: while a unit test runs, every way to start a process fails."""

from __future__ import annotations

import multiprocessing
import os
import subprocess

import pytest

from .conftest import ProcessStarted, refusing_processes


def test_the_guard_is_on_while_a_unit_test_runs():
    for starter in (subprocess.Popen._execute_child, os.fork, os.posix_spawn, os.system):
        assert starter.__name__ == "refuse"


def test_every_way_to_start_a_process_is_refused():
    with refusing_processes() as attempts:
        with pytest.raises(ProcessStarted, match="tests/e2e/"):
            subprocess.run(["true"], check=False)
        with pytest.raises(ProcessStarted):
            os.system("true")
        with pytest.raises(ProcessStarted):
            os.fork()
        for method in ("spawn", "forkserver", "fork"):
            with pytest.raises(ProcessStarted):
                multiprocessing.get_context(method).Process(target=print).start()
    assert len(attempts) == 6
    assert subprocess.Popen._execute_child.__name__ == "refuse"  # the test's own guard is back
