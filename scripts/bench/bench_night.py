"""One whole night end to end: loose articles through story grouping and briefings.

    python scripts/bench/bench_night.py ../shared/data /tmp/night-bench --articles 40000

The inbox is the first ``--articles`` articles of the story bench's pool (``bench_stories``:
the Multi-News validation articles once, 14,299 of them, then perturbed copies with 10% of the
words dropped), one loose article a line (``id``, ``text``), written into the work folder (the
data stays there, never in the repository). ``--mirror`` takes instead the originals and all
their copies in the proportions of the 40,000-article night (36% originals), scaled to about
``--articles``, so a small run has the stories of 2 to 3 near-identical articles the big one has.

The night is the real command line in a child process, into a fresh ``output.root`` and a
fresh embedding cache::

    python -m summarize experiment=nightly group=stories input.path=INBOX output.root=ROOT
        cache_dir=CACHE run.progress=log [embedder=static|student] [executor=processes]

Model preparation is not counted: a warm-up night on three invented articles first fills
``WORK/models-<embedder>`` (the ONNX export of MiniLM, or the distilled static table), and the
measured night's cache starts with a copy of its ``models/`` and no sentence vectors, as a night
of news the cache has never seen. Model loading from that cache is counted.

Reported: wall time of the child; its start-up (wall minus the manifest's ``total_seconds``:
interpreter, imports, Hydra); the grouping (the manifest's ``stories.seconds``: reading,
cleaning, grouping, linking, writing the story index); the per-stage sums of the manifest's
``timings.stages_seconds`` (summed over stories; with ``executor=processes`` they are summed
over the workers, so they overlap in time and "rest" is not computed); the rest of the run
(history look-ups, fingerprints, briefing files, ``summaries.jsonl``, ``index.html``);
stories and articles; and memory two ways: the largest resident size of any one process of the
night (``ru_maxrss`` from ``wait4``: the driver or, with processes, its largest worker) and the
largest sum of the resident sizes of the night's process tree, sampled from ``/proc`` every
half second (with processes: driver plus workers together).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_stories import SIZES, pool_records

WARM_UP = [
    {"id": "w1", "text": "The ferry between Lindholm and Sorvik was cancelled on Tuesday after "
     "a storm tore part of the pier away. Crews expect to repair it within a week."},
    {"id": "w2", "text": "A storm damaged the Lindholm pier, and the Sorvik ferry will not "
     "sail until repairs end, the harbour office said on Tuesday."},
    {"id": "w3", "text": "The town library of Estwick reopens on Monday with a new reading "
     "room for children, two years after a fire closed it."},
]  # fmt: skip
SAMPLE_SECONDS = 0.5


def inbox_records(data: Path, articles: int, mirror: bool) -> list[dict]:
    """The first ``articles`` of the pool, or (``mirror``) about as many in the full pool's mix."""
    if not mirror:
        return pool_records(data, articles)[0]
    full, originals = pool_records(data, max(SIZES))
    keep = round(articles * originals / len(full))
    return [r for r in full if int(r["id"][2:].split("~")[0]) < keep]


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def tree_rss_mb(root: int) -> float:
    """Resident size of ``root`` and all its descendants, from ``/proc``."""
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        sizes[pid] = int(fields[21])  # rss, in pages
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(sizes.get(p, 0) for p in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_night(command: list[str], log: Path) -> tuple[float, float, float]:
    """Runs ``command``; returns wall seconds, the peak RSS of its largest process (MB) and
    the peak sampled RSS of its whole process tree (MB). Fails with the log's tail unless
    the night ran (exit 0, or 1 when some articles or stories failed: the manifest says which)."""
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        peak_tree = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak_tree[0] = max(peak_tree[0], tree_rss_mb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    if child.returncode not in (0, 1):  # 1: the night ran, some stories or articles failed
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"night failed (exit {child.returncode}), {log}:\n{tail}")
    return wall, usage.ru_maxrss / 1024, peak_tree[0]


def night_command(inbox: Path, root: Path, cache: Path, overrides: list[str]) -> list[str]:
    return [sys.executable, "-m", "summarize", "experiment=nightly", "group=stories",
            f"input.path={inbox}", f"output.root={root}", f"cache_dir={cache}",
            "run.progress=log", *overrides]  # fmt: skip


def warm_models(work: Path, name: str, overrides: list[str]) -> Path:
    """A night of three invented articles into ``WORK/models-<name>``: the model is exported
    or distilled there once, outside any measured night."""
    cache = work / f"models-{name}"
    # The warm-up night ran when it left vectors (a model shipped in the package, as the
    # student, leaves no models/ folder).
    if not (cache / "vectors").is_dir():
        scratch = work / f"warm-up-{name}"
        shutil.rmtree(scratch, ignore_errors=True)
        write_jsonl(scratch / "inbox.jsonl", WARM_UP)
        command = night_command(scratch / "inbox.jsonl", scratch / "nights", cache, overrides)
        seconds, _, _ = run_night(command, scratch / "night.log")
        print(f"warm-up ({name}): {seconds:.1f} s, models in {cache}", file=sys.stderr)
    return cache


def figures(manifest: dict, wall: float, peak_process: float, peak_tree: float,
            parallel: bool) -> dict:  # fmt: skip
    timings = manifest["timings"]
    stages = {k: round(v, 2) for k, v in timings["stages_seconds"].items()}
    grouping = manifest["stories"]["seconds"]
    total = timings["total_seconds"]
    stage_sum = sum(stages.values())
    return {
        "status": manifest["status"],
        "articles": manifest["stories"]["articles"],
        "stories": manifest["stories"]["stories"],
        "briefings": manifest["counts"]["done"],
        "failed": manifest["counts"]["failed"],
        "wall_s": round(wall, 2),
        "startup_s": round(wall - total, 2),
        "grouping_s": round(grouping, 2),
        "stages_s": stages,
        "stages_sum_s": round(stage_sum, 2),
        "rest_s": None if parallel else round(total - grouping - stage_sum, 2),
        "peak_process_mb": round(peak_process),
        "peak_tree_mb": round(peak_tree),
        "sentences_embedded": (manifest.get("embedding_cache") or {}).get("misses"),
    }


def table(row: dict) -> str:
    n = row["articles"] or 1
    lines = ["| part | seconds | s per 1k articles | share of wall |", "|---|---|---|---|"]
    parts = [("start-up", row["startup_s"]), ("grouping", row["grouping_s"])]
    parts += [(f"stage {k}", v) for k, v in sorted(row["stages_s"].items(), key=lambda x: -x[1])]
    parts += [("stages, sum", row["stages_sum_s"])]
    if row["rest_s"] is not None:
        parts += [("rest (history, files, merge, index)", row["rest_s"])]
    parts += [("**wall**", row["wall_s"])]
    for name, seconds in parts:
        lines.append(f"| {name} | {seconds:.1f} | {1000 * seconds / n:.2f} | "
                     f"{100 * seconds / row['wall_s']:.0f}% |")  # fmt: skip
    lines.append(
        f"\n{row['articles']:,} articles, {row['stories']:,} stories, {row['briefings']:,} "
        f"briefings, {row['failed']} failed; peak RSS: largest process {row['peak_process_mb']:,}"
        f" MB, process tree {row['peak_tree_mb']:,} MB; load average (1 min) at start and "
        f"end {row['load_average'][0]} / {row['load_average'][1]} on {os.cpu_count()} cores"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("work", type=Path, help="work folder (inbox, nights, caches, logs)")
    parser.add_argument("--articles", type=int, default=max(SIZES))
    parser.add_argument("--mirror", action="store_true",
                        help="the 40k pool's mix of originals and copies, scaled")  # fmt: skip
    parser.add_argument("--embedder", choices=("default", "static", "student"), default="default")
    parser.add_argument("--executor", choices=("local", "processes"), default="local")
    args = parser.parse_args()
    if not 0 < args.articles <= max(SIZES):
        parser.error(f"--articles must be in 1..{max(SIZES)}")
    overrides = [] if args.embedder == "default" else [f"embedder={args.embedder}"]
    models = warm_models(args.work, args.embedder, overrides)
    overrides += [] if args.executor == "local" else [f"executor={args.executor}"]
    shape = "mirror" if args.mirror else "first"
    run = args.work / f"night-{args.embedder}-{args.executor}-{shape}-{args.articles}"
    shutil.rmtree(run, ignore_errors=True)
    records = inbox_records(args.data, args.articles, args.mirror)
    write_jsonl(run / "inbox.jsonl", records)
    if (models / "models").is_dir():  # the student ships in the package: nothing to copy
        shutil.copytree(models / "models", run / "cache" / "models")
    command = night_command(run / "inbox.jsonl", run / "nights", run / "cache", overrides)
    print(" ".join(command[1:]), file=sys.stderr)
    load_before = os.getloadavg()[0]
    wall, peak_process, peak_tree = run_night(command, run / "night.log")
    manifest = json.loads((run / "nights" / "latest" / "manifest.json").read_text())
    row = figures(manifest, wall, peak_process, peak_tree, args.executor != "local")
    row = {"embedder": args.embedder, "executor": args.executor, "inbox": shape, **row,
           "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}  # fmt: skip
    print(table(row))
    print(json.dumps(row))


if __name__ == "__main__":
    main()
