"""Time the cleaner on one unbroken "word" (or one repeated line) of growing length: the time
must grow linearly.

Each measurement runs in its own process with a time limit, so a quadratic pattern shows as
"> LIMIT s" instead of hanging the benchmark. The article cap is off (``max_chars=None``) so the
patterns themselves are measured. Usage::

    PYTHONPATH=$PWD/src python scripts/bench_clean.py [--sizes 10000 100000 1000000]
        [--shapes a a@ a. [ "**a "] [--timeout 120]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

# One unbroken "word" of several shapes, then lines that each join or mark something.
DEFAULT_SHAPES = ["a", "a@", "a.", "@a.", "[", "[a](", "**a ", "A-", "abc\n", "Subscribe now\n"]


def time_once(unit: str, size: int) -> float:
    """Seconds to clean one article made of ``unit`` repeated to ``size`` characters."""
    from summarize.data import Article
    from summarize.stages.clean import BoilerplateCleaner

    text = (unit * (size // len(unit) + 1))[:size]
    cleaner = BoilerplateCleaner(use_trafilatura=False, max_chars=None)
    start = time.perf_counter()
    cleaner.clean(Article(index=0, text=text, source="bench.txt"))
    return time.perf_counter() - start


def measure(unit: str, size: int, timeout: float) -> str:
    command = [sys.executable, __file__, "--one", unit, str(size)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s"
    if done.returncode != 0:
        return "error: " + done.stderr.strip().splitlines()[-1]
    return f"{float(done.stdout):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(time_once(args.one[0], int(args.one[1])))
        return
    print("| word made of | " + " | ".join(f"{size:,} chars" for size in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for unit in args.shapes:
        cells = [measure(unit, size, args.timeout) for size in args.sizes]
        print(f"| `{unit!r}` repeated | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
