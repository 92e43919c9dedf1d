"""Scale-out: the process and Ray executors give what the local runner gives, byte for byte,
and survive workers that die or hang.

The runs use the real pipeline on invented stories (``embedder=tfidf`` keeps them fast). A
test-only cleaner, picked by overriding ``cleaner._target_``, kills its worker or hangs on a
cluster carrying a trigger word, so the failures are real process deaths and real time limits.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from summarize.data import Article
from summarize.run.driver import run
from summarize.stages.clean import BoilerplateCleaner

from ..conftest import compose_config
from ..helpers import inbox, records, story

ROOT = Path(__file__).resolve().parents[2]
DIE_ONCE = "Zorblatt"
DIE_ALWAYS = "Quellmire"
HANG = "Vantorrow"
TIME_LIMIT = 10


class DyingCleaner(BoilerplateCleaner):
    """The real cleaner, except on articles with a trigger word: it kills its process (once,
    or every time) or never returns. ``marker`` remembers across processes that it died once."""

    def __init__(self, marker: str = "", **params) -> None:
        super().__init__(**params)
        self.marker = marker

    def clean(self, article: Article) -> Article:
        if DIE_ONCE in article.text and not os.path.exists(self.marker):
            Path(self.marker).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        if DIE_ALWAYS in article.text:
            os._exit(3)
        if HANG in article.text:
            time.sleep(3600)
        return super().clean(article)


def special_inbox(folder: Path, *words: str) -> Path:
    """The usual inbox, plus a cluster per trigger word and one with no story text at all."""
    path = inbox(folder, clusters=6)
    lines = path.read_text().splitlines()
    for number, word in enumerate(words):
        towns = ("Ellbridge", "Marrow Hill", "Saltney")
        documents = [story(word, town) for town in towns]
        lines.insert(2 + 2 * number, json.dumps({"id": f"flood-{word}", "documents": documents}))
    lines.append(json.dumps({"id": "debris", "documents": ["Share on Facebook\nSign up"]}))
    path.write_text("\n".join(lines) + "\n")
    return path


def unsourced(value):
    """A record without its ``source`` fields (which name the inbox file and line)."""
    if isinstance(value, dict):
        return {k: unsourced(v) for k, v in value.items() if k != "source"}
    if isinstance(value, list):
        return [unsourced(v) for v in value]
    return value


def summarize(path: Path, out: Path, *overrides: str):
    return run(compose_config(out, f"input.path={path}", "embedder=tfidf", "run.progress=log",
                              *overrides))  # fmt: skip


def dying(marker: Path) -> list[str]:
    return [f"cleaner._target_={__name__}.DyingCleaner", f"+cleaner.marker={marker}"]


@pytest.fixture(scope="module")
def ray_local():
    """A local Ray with 2 CPUs for this module's Ray tests; the actors import this test file."""
    ray = pytest.importorskip("ray", reason="Ray is optional: pip install -e '.[ray]'")
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
             runtime_env={"env_vars": {"PYTHONPATH": path}})  # fmt: skip
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The local runner over the inbox with every special cluster (the plain cleaner)."""
    root = tmp_path_factory.mktemp("local")
    path = special_inbox(root / "inbox", DIE_ONCE, DIE_ALWAYS, HANG)
    report = summarize(path, root / "out")
    assert report.failures == [
        {"id": "debris", "source": f"{path}:10",
         "reason": "cluster debris: no article has story text after cleaning"},
    ]  # fmt: skip
    return path, root / "out"


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file a run leaves that must not depend on the runner."""
    names = ["summaries.jsonl", *(f"briefings/{p.name}" for p in (folder / "briefings").iterdir())]
    return {name: (folder / name).read_bytes() for name in sorted(names)}


def same_manifest(folder: Path, expected: Path, dropped: set[str] = frozenset()) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    reference = json.loads((expected / "manifest.json").read_text())
    for key in ("config", "input"):
        manifest.pop(key), reference.pop(key)
    failed = {f["id"] for f in manifest["failures"]}
    assert manifest["warnings"] == [w for w in reference["warnings"] if w["id"] not in failed]
    kept = [f for f in manifest["failures"] if f["id"] not in dropped]
    assert kept == reference["failures"]
    return manifest


RUNNERS = {
    "processes": ["runner=processes", "runner.workers=2"],
    "ray": ["runner=ray", "runner.workers=2"],
}


@pytest.fixture(params=sorted(RUNNERS))
def runner(request) -> list[str]:
    if request.param == "ray":
        request.getfixturevalue("ray_local")
    return RUNNERS[request.param]


def test_every_runner_writes_what_the_local_runner_writes(reference, runner, tmp_path):
    path, expected = reference
    report = summarize(path, tmp_path / "out", *runner)
    assert outputs(tmp_path / "out") == outputs(expected)
    manifest = same_manifest(tmp_path / "out", expected)
    local = json.loads((expected / "manifest.json").read_text())
    assert manifest["counts"] == local["counts"]
    workers = manifest["timings"]["workers"]
    assert [w["ended"] for w in workers] == ["finished", "finished"]
    assert sum(w["clusters"] for w in workers) == report.manifest.counts.clusters  # debris too
    # Resumable as under the local runner: a second run redoes only the failed cluster.
    again = summarize(path, tmp_path / "out", *runner)
    assert (again.manifest.counts.done, again.manifest.counts.skipped) == (0, 9)
    assert sum(w["clusters"] for w in again.manifest.timings["workers"]) == 1  # failed: retried
    assert outputs(tmp_path / "out") == outputs(expected)


def test_a_dead_worker_is_replaced_and_a_hung_or_deadly_cluster_is_recorded(
    reference, runner, tmp_path
):
    path, expected = reference
    marker = tmp_path / "died-once"
    out = tmp_path / "out"
    report = summarize(path, out, *runner, *dying(marker), f"runner.timeout_s={TIME_LIMIT}",
                       "runner.max_tries=2")  # fmt: skip
    assert marker.exists()  # the first worker given the cluster was killed
    lost = {f"flood-{DIE_ALWAYS}", f"flood-{HANG}"}
    wanted = [r for r in records(expected) if r["id"] not in lost]
    assert records(out) == wanted  # the killed worker's cluster was done again, elsewhere
    reasons = {f["id"]: f["reason"] for f in report.failures}
    seen = "exit code 3" if "runner=processes" in runner else "ActorDiedError"  # what Ray says
    assert reasons[f"flood-{DIE_ALWAYS}"] == f"crashed the process 2 times ({seen})"
    assert reasons[f"flood-{HANG}"] == f"timed out after {TIME_LIMIT} s"
    same_manifest(out, expected, dropped=lost)
    ended = [w["ended"] for w in report.manifest.timings["workers"]]
    assert ended.count("killed: time limit") == 1
    assert sum(e.startswith("died") for e in ended) == 3  # once, then twice for the deadly one
    assert report.manifest.counts.failed == 3 and report.manifest.counts.succeeded == 7


def test_the_local_runner_stops_a_hung_cluster_and_goes_on(reference, tmp_path):
    _, expected = reference
    plain = special_inbox(tmp_path / "inbox", HANG)
    started = time.perf_counter()
    report = summarize(plain, tmp_path / "out", *dying(tmp_path / "m"), "runner.timeout_s=2")
    assert time.perf_counter() - started < 60
    assert {f["id"]: f["reason"] for f in report.failures} == {
        f"flood-{HANG}": "timed out after 2 s",
        "debris": "cluster debris: no article has story text after cleaning",
    }
    wanted = [r for r in records(expected) if not r["id"].startswith("flood-")]
    assert unsourced(records(tmp_path / "out")) == unsourced(wanted)  # another inbox file


def test_two_workers_share_an_embedding_cache(tmp_path):
    """Two processes with MiniLM fill one cache at once; a second run reads all of it back."""
    path = inbox(tmp_path / "inbox", clusters=6)
    cache = tmp_path / "cache"
    pool = ["runner=processes", "runner.workers=2", "run.progress=log"]
    first = run(compose_config(tmp_path / "one", f"input.path={path}", f"cache_dir={cache}", *pool))
    assert first.manifest.counts.succeeded == 6
    entries = {p: p.stat().st_mtime_ns for p in (cache / "vectors").rglob("*") if p.is_file()}
    assert entries and not list(cache.rglob("*.part"))
    second = run(
        compose_config(tmp_path / "two", f"input.path={path}", f"cache_dir={cache}", *pool)
    )
    assert second.manifest.counts.succeeded == 6
    assert {
        p: p.stat().st_mtime_ns for p in (cache / "vectors").rglob("*") if p.is_file()
    } == entries
    stored = [json.loads(p.read_text()) for p in (tmp_path / "two").rglob("*.json")
              if p.name != "manifest.json"]  # fmt: skip
    assert [r["from_cache"] for r in stored if "from_cache" in r] == [True] * 6
    use = [m.manifest.embedding_cache for m in (first, second)]  # summed over the workers
    assert use[0]["misses"] > 0 and use[0]["dir"] == str(cache)
    assert use[1]["misses"] == 0 and use[1]["hits"] >= use[0]["misses"]
    assert use[1]["clusters_from_cache"] == 6
    local = run(compose_config(tmp_path / "fresh", f"input.path={path}", "run.progress=log"))
    assert local.manifest.counts.succeeded == 6
    expected = (tmp_path / "fresh" / "summaries.jsonl").read_bytes()
    assert (tmp_path / "one" / "summaries.jsonl").read_bytes() == expected
    assert (tmp_path / "two" / "summaries.jsonl").read_bytes() == expected


def test_a_pipeline_that_cannot_load_stops_the_run_instead_of_killing_workers(tmp_path):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    path = inbox(tmp_path / "inbox", clusters=2)
    config = compose_config(tmp_path / "out", f"input.path={path}", "runner=processes",
                            "runner.workers=1", "embedder=sentence_transformer",
                            f"embedder.model={empty}")  # fmt: skip
    with pytest.raises(RuntimeError, match="a worker could not load the pipeline: RuntimeError"):
        run(config)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and str(empty) in manifest["error"]
    assert [w["ended"] for w in manifest["timings"]["workers"]] == ["finished"]
