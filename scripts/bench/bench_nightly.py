"""Nightly operation on real data: a full run, a rerun with nothing to do, a rerun after news.

    python scripts/bench/bench_nightly.py ../shared/data/multi_news/fulltext_sample.jsonl

Runs the command line three times into one output folder with a fresh embedding cache, each in
its own process (model loading included): (1) the whole inbox, (2) the same inbox again, (3)
the inbox after one article was added to five clusters (the first article of the next cluster,
so it is real news text). Prints wall times, the rerun ratios, what each run did according to
its manifest, and how many sentences the embedding cache had to embed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROWN = 5


def run(inbox: Path, out: Path, cache: Path, extra: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "summarize", f"input.path={inbox}", f"output.dir={out}",
         f"cache_dir={cache}", "run.progress=log", *extra],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return seconds, json.loads((out / "manifest.json").read_text())


def grow(lines: list[str]) -> list[str]:
    """Adds to each of the first ``GROWN`` clusters the first article of the cluster after it."""
    records = [json.loads(line) for line in lines]
    for number in range(GROWN):
        donor = records[number + 1]["documents"][0]
        records[number]["documents"].append(donor)
    return [json.dumps(r, ensure_ascii=False) for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. embedder=tfidf")
    args = parser.parse_args()
    lines = [line for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        inbox, out, cache = root / "inbox.jsonl", root / "out", root / "cache"
        inbox.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows = []
        for label, content in (
            ("full run", lines),
            ("rerun, nothing new", lines),
            (f"rerun, {GROWN} clusters grew by one article", grow(lines)),
        ):
            inbox.write_text("\n".join(content) + "\n", encoding="utf-8")
            seconds, manifest = run(inbox, out, cache, args.overrides)
            rows.append((label, seconds, manifest))
    full = rows[0][1]
    print(f"{len(lines)} clusters from {args.data}")
    print("| run | wall s | vs full | done | skipped | failed | sentences embedded | from cache |")
    print("|---|---|---|---|---|---|---|---|")
    for label, seconds, manifest in rows:
        counts = manifest["counts"]
        cache = manifest.get("embedding_cache") or {}
        print(
            f"| {label} | {seconds:.1f} | {seconds / full:.2f} | {counts['done']} | "
            f"{counts['skipped']} | {counts['failed']} | {cache.get('misses', 0)} | "
            f"{cache.get('hits', 0)} |"
        )


if __name__ == "__main__":
    main()
