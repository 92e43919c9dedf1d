"""A night killed again and again, as an operator (or the OOM killer) would: ``--kills``
SIGKILLs at seeded random moments of runs into one output folder, then one run to the end.

Reports each kill's moment, the last run's exit status, its failures and whether every cluster
is in ``summaries.jsonl`` exactly once. The data path is an argument (never copied here)::

    python scripts/eval/kill_night.py ../shared/data/multi_news/fulltext_sample.jsonl /tmp/kills \
        --clusters 100 --kills 8 --seed 1 [OVERRIDE ...]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def command(inbox: Path, out: Path, overrides: list[str]) -> list[str]:
    return [sys.executable, "-m", "summarize", f"input.path={inbox}", f"output.dir={out}",
            "run.progress=log", *overrides]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a clusters JSONL file")
    parser.add_argument("work", type=Path, help="a scratch folder (replaced)")
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("overrides", nargs="*", help="more overrides, e.g. executor=processes")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    inbox = args.work / "inbox.jsonl"
    with args.data.open(encoding="utf-8") as lines, inbox.open("w", encoding="utf-8") as kept:
        for _, line in zip(range(args.clusters), lines, strict=False):
            kept.write(line)
    reference, out = args.work / "reference", args.work / "night"
    began = time.monotonic()
    subprocess.run(command(inbox, reference, args.overrides), check=True, capture_output=True)
    horizon = time.monotonic() - began
    began = time.monotonic()
    subprocess.run(command(inbox, reference, args.overrides), check=True, capture_output=True)
    startup = time.monotonic() - began  # a run with nothing left to do
    print(f"uninterrupted run: {horizon:.1f} s; a run with everything complete: {startup:.1f} s")
    rng = random.Random(args.seed)
    for number in range(args.kills):
        # A moment within what this run has left to do, so that kills land in runs that resume.
        stored = len(list((out / "results").glob("*/*.json")))
        left = startup + (horizon - startup) * (1 - stored / args.clusters)
        moment = rng.uniform(0.0, left)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        process = subprocess.Popen(command(inbox, out, args.overrides), **quiet)
        try:
            process.wait(timeout=moment)
            print(f"kill {number + 1}: none, the run ended before {moment:.1f} s")
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            print(f"kill {number + 1}: SIGKILL at {moment:.1f} s ({stored} clusters stored before)")
    last = subprocess.run(command(inbox, out, args.overrides), capture_output=True, text=True)
    manifest = json.loads((out / "manifest.json").read_text())
    ids = [json.loads(line)["id"] for line in (out / "summaries.jsonl").read_text().splitlines()]
    same = (out / "summaries.jsonl").read_bytes() == (reference / "summaries.jsonl").read_bytes()
    print(f"last run: exit {last.returncode}, status {manifest['status']}, "
          f"counts {manifest['counts']}")  # fmt: skip
    print(f"failures: {manifest['failures']}")
    print(f"clusters in summaries.jsonl: {len(ids)}, distinct {len(set(ids))}, "
          f"identical to the uninterrupted run: {same}")  # fmt: skip
    print(f"stale previous run reported: {manifest.get('previous_run')}")


if __name__ == "__main__":
    main()
