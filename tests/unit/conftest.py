"""Unit tests run in the test process: none may start a process (a CLI subprocess, a process
or Ray pool, a server, any program). Every way Python starts one is replaced, while a unit
test sets up, runs and tears down, by a function that refuses and remembers the attempt, so the
test fails even when library code swallows the error. What needs a process goes in tests/e2e/."""

from __future__ import annotations

import _posixsubprocess
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def physical_cores() -> int:
    """The physical cores as ``lscpu`` counts them, read from sysfs as ``lscpu`` does."""
    topologies = Path("/sys/devices/system/cpu").glob("cpu[0-9]*/topology")
    cores = {
        ((t / "physical_package_id").read_text(), (t / "core_id").read_text()) for t in topologies
    }
    return len(cores) or os.cpu_count() or 1


def pytest_configure(config):
    """scikit-learn's k-means asks joblib's loky for the physical cores, which it counts by
    running ``lscpu`` once per process; the count is put in loky's cache here instead."""
    from joblib.externals.loky.backend import context

    if context.physical_cores_cache is None:
        context.physical_cores_cache = physical_cores()


HERE = Path(__file__).parent
UNIT_TIME_LIMIT = 300
"""Seconds a unit test may take (pytest-timeout) unless it sets its own: the slowest, which
export the neural model, take about a minute on a loaded 2-core machine."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(UNIT_TIME_LIMIT))


class ProcessStarted(RuntimeError):
    """A unit test tried to start a process."""


STARTERS = (
    (subprocess.Popen, "_execute_child"),
    (subprocess, "_fork_exec"),
    (_posixsubprocess, "fork_exec"),  # multiprocessing's spawn and forkserver start here
    (os, "fork"),
    (os, "forkpty"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "system"),
)


@contextmanager
def refusing_processes() -> Iterator[list[str]]:
    """Within the block every process start raises ``ProcessStarted``; yields the attempts."""
    attempts: list[str] = []

    def refuser(name: str):
        def refuse(*args, **kwargs):
            attempts.append(name)
            raise ProcessStarted(
                f"a unit test called {name}: unit tests start no process; a test that needs a "
                "subprocess, a pool, Ray or a server belongs in tests/e2e/"
            )

        return refuse

    saved = [
        (owner, name, getattr(owner, name)) for owner, name in STARTERS if hasattr(owner, name)
    ]
    for owner, name, _ in saved:
        setattr(owner, name, refuser(f"{getattr(owner, '__name__', owner)}.{name}"))
    try:
        yield attempts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def _guarded():
    with refusing_processes() as attempts:
        result = yield
    if attempts:
        raise ProcessStarted(f"the test tried to start a process: {', '.join(attempts)}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _guarded())
