"""Clusters per second of each runner, with per-worker memory and speed-ups against ``local``.

    python scripts/bench_scale.py ../shared/data/multi_news/fulltext_sample.jsonl
    python scripts/bench_scale.py ../shared/data/multi_news/validation_truncated.jsonl --limit 1000

Every configuration runs the command line in its own process, in the default pipeline (MiniLM
with 8-bit weights on ONNX Runtime), with nothing cached (each worker exports and loads its own
model, as a fresh machine would) and no scoring. The speed-ups are against ``executor=local``
measured in the same invocation, so a machine loaded by other work slows every row alike (as
far as it stays equally loaded); the load average before and after is printed with the table.
Each run's ``summaries.jsonl`` is compared byte for byte with the local one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNNERS = {
    "local": ["executor=local"],
    "processes x1": ["executor=processes", "executor.workers=1"],
    "processes x2": ["executor=processes", "executor.workers=2"],
    "ray x1": ["executor=ray", "executor.workers=1"],
    "ray x2": ["executor=ray", "executor.workers=2"],
}


def run_once(data: Path, limit: int | None, name: str, overrides: list[str], root: Path) -> dict:
    out = root / name.replace(" ", "-")
    command = [
        sys.executable, "-m", "summarize", f"input.path={data}", f"output.dir={out}",
        "output.formats=[jsonl]", "evaluation=none", "cache_dir=null", "run.progress=log",
        "executor.timeout_s=null", *overrides,
    ]  # fmt: skip
    if limit is not None:
        command.append(f"input.limit={limit}")
    started, cpu_before = time.perf_counter(), _children_cpu()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if result.returncode not in (0, 1):
        raise SystemExit(f"{name}: exit {result.returncode}\n{result.stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    timings = manifest["timings"]
    workers = timings.get("workers") or []
    return {
        "runner": name,
        "clusters": manifest["counts"]["clusters"],
        "failed": manifest["counts"]["failed"],
        "run_seconds": timings["total_seconds"],
        "wall_seconds": round(wall, 2),
        # The command and the worker processes it waited for (not Ray's, started by its raylet).
        "cpu_seconds": round(cpu, 2),
        "clusters_per_second": manifest["counts"]["clusters"] / timings["total_seconds"],
        "driver_peak_mb": timings["peak_rss_mb"],
        "worker_peak_mb": [w["peak_rss_mb"] for w in workers],
        "worker_load_seconds": [w["load_seconds"] for w in workers],
        "worker_clusters": [w["clusters"] for w in workers],
        "stages_seconds": timings["stages_seconds"],
        "summaries": (out / "summaries.jsonl").read_bytes(),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="JSONL clusters (id, documents)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clusters")
    parser.add_argument("--runners", nargs="*", default=list(RUNNERS), choices=list(RUNNERS))
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    if not args.data.is_file():
        raise SystemExit(f"{args.data}: no such file")
    before = load_average()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        for name in args.runners:
            rows.append(run_once(args.data, args.limit, name, RUNNERS[name], Path(scratch)))
            print(f"{name}: {rows[-1]['clusters_per_second']:.2f} clusters/s", file=sys.stderr)
    after = load_average()
    base = next((r for r in rows if r["runner"] == "local"), rows[0])
    print(f"{args.data.name}, {base['clusters']} clusters, {os.cpu_count()} cores; "
          f"load average (1, 5, 15 min) before {before}, after {after}")  # fmt: skip
    print(
        "| runner | clusters/s | speed-up | run s | wall s | CPU s per cluster | worker load s | "
        "peak MB driver / workers | output |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        same = "identical" if row["summaries"] == base["summaries"] else "DIFFERS"
        loads = ", ".join(f"{s:.1f}" for s in row["worker_load_seconds"]) or "-"
        peaks = ", ".join(f"{m:.0f}" for m in row["worker_peak_mb"]) or "-"
        print(
            f"| {row['runner']} | {row['clusters_per_second']:.2f} | "
            f"{row['clusters_per_second'] / base['clusters_per_second']:.2f} | "
            f"{row['run_seconds']:.1f} | {row['wall_seconds']:.1f} | "
            f"{row['cpu_seconds'] / row['clusters']:.2f} | {loads} | "
            f"{row['driver_peak_mb']:.0f} / {peaks} | {same} |"
        )
    if args.json:
        kept = [{k: v for k, v in r.items() if k != "summaries"} for r in rows]
        args.json.write_text(json.dumps({"load_before": before, "load_after": after,
                                         "rows": kept}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
