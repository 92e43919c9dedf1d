"""The package's layers as the tree shows them: every module imports, the import graph of
``summarize.*`` has no circle, and code that runs inside a worker never loads the driver.

Imports are read from the source with ``ast``, those inside functions included (a lazy import
is still an edge of the design), so a circle cannot hide behind a deferred import.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import summarize

PACKAGE = Path(summarize.__file__).parent
WORKER_SIDE = (
    "summarize.run.worker",
    "summarize.run.executors.local",
    "summarize.run.executors.processes",
    "summarize.run.executors.ray",
    "summarize.run.executors.base",
)
"""What a worker process or actor imports to run clusters (and the executors it is sent by)."""


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def imported(name: str) -> set[str]:
    """The ``summarize`` modules that ``name``'s code imports, wherever the import statement is.

    ``from package import submodule`` is an edge to the submodule; ``from module import name``
    an edge to the module.
    """
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        edges.update(t for t in targets if t in MODULES and t != name)
    return edges


GRAPH = {name: imported(name) for name in MODULES}


def loaded_by(name: str) -> set[str]:
    """Every module that importing ``name`` runs: its imports, their packages' ``__init__``
    files, and so on."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        parents = [".".join(parts[:i]) for i in range(1, len(parts))]
        todo.extend(GRAPH[current] | {p for p in parents if p in MODULES})
    return seen


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path that starts and ends on the same module, or ``None``."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for following in sorted(graph[node]):
            if state.get(following) == "open":
                return [*path[path.index(following) :], following]
            if following not in state and (cycle := visit(following)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not m.endswith("__main__")))
def test_every_module_imports(name):
    """(``__main__`` modules run the program when imported: their imports are in the graph.)"""
    if name == "summarize.run.executors.ray" and importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")  # the module itself is written to import anyway
    importlib.import_module(name)


def test_the_import_graph_has_no_circle():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH))


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", WORKER_SIDE)
def test_worker_side_code_never_loads_the_driver(name):
    assert "summarize.run.driver" not in loaded_by(name)
    assert "summarize.cli" not in loaded_by(name)


def test_the_worker_is_a_leaf_of_the_run_layer():
    run_layer = {m for m in loaded_by("summarize.run.worker") if m.startswith("summarize.run.")}
    assert run_layer == {"summarize.run.worker", "summarize.run.store"}


def test_a_fresh_interpreter_importing_the_process_worker_does_not_import_the_driver():
    """What a spawned worker does, checked in this interpreter's module table: the driver is
    imported only if something imported it already (the test session may have)."""
    before = set(sys.modules)
    importlib.import_module("summarize.run.executors.processes")
    newly = set(sys.modules) - before
    assert "summarize.run.driver" not in newly
    assert "summarize.run.driver" not in loaded_by("summarize.run.executors.processes")


def test_stages_do_not_import_the_run_layer_except_the_store():
    """Stages are pure per-cluster work; the embedding cache writes through the store's one
    atomic writer, and nothing else of the batch layer is theirs to use."""
    for name in MODULES:
        if name.startswith("summarize.stages"):
            uses = {m for m in GRAPH[name] if m.startswith("summarize.run")}
            assert uses <= {"summarize.run.store"}, (name, uses)


def test_config_does_not_import_the_renderer():
    assert "summarize.output.render" not in loaded_by("summarize.config")
