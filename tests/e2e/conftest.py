"""End-to-end tests start real processes (the command line, process and Ray pools, Hydra
sweeps) or run many clusters: each is marked ``slow`` by its folder, so the inner loop
``pytest -m "not slow"`` leaves them out and nobody has to remember the marker."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)
