"""Throughput, embedding share and peak memory of summarize against sumy's LexRank, in one run.

Each system runs in its own process on the same clusters, so peak memory is its own:

    python scripts/bench/bench.py ../shared/data/multi_news/fulltext_sample.jsonl
    python scripts/bench/bench.py DATA.jsonl --variants default static tfidf --before OTHER/src

Every summarize variant (``VARIANTS``: the default, the same model unquantized on ONNX Runtime
and on PyTorch, ``embedder=static``, ``embedder=tfidf``...) runs through its command line. A
model that the embedder builds once and keeps (the exported ONNX graph, the distilled static
table) is built by a warm-up run on one cluster into a fresh cache folder, as a nightly run
finds it; no sentence vector is cached. ``--before SRC`` adds the default of another checkout
(its ``src`` folder), cold, as it runs today. The peer is what a user of sumy would write:
LexRank over each cluster's concatenated articles, best-rated sentences within the same word
budget. Everything is reported as ratios against the peer measured in this run, so a loaded
machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_NO_VECTORS = "embedder.cache_vectors=false"  # the transformer's exported graph only
VARIANTS: dict[str, list[str]] = {
    "default": [_NO_VECTORS],
    "onnx-fp32": ["embedder.backend=onnx", _NO_VECTORS],
    "torch": ["embedder.backend=torch", _NO_VECTORS],
    "student": ["embedder=student", _NO_VECTORS],
    "static": ["embedder=static"],
    "tfidf": ["embedder=tfidf"],
}
"""Name -> overrides; ``--variants`` picks which run (``--extra NAME=OVERRIDES`` adds one)."""


def run_summarize(
    data: Path,
    name: str,
    overrides: list[str],
    budget: int,
    workdir: Path,
    src: str | None,
    cache: Path | None = None,
) -> dict:
    """One variant in its own process; ``src`` another checkout's package, run cold; ``cache``
    a cache folder whose built models to use (a fresh one by default)."""
    out = workdir / f"summarize-{name}"
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    else:
        cache = cache or workdir / f"cache-{name}"
        overrides = [*overrides, f"cache_dir={cache}"]
        warm = [*_command(data, workdir / f"warm-{name}", budget, overrides), "input.limit=1"]
        subprocess.run(warm, check=True, capture_output=True, text=True, env=env)
        shutil.rmtree(cache / "vectors", ignore_errors=True)  # keep the built model only
    started = time.perf_counter()
    done = subprocess.run(
        _command(data, out, budget, overrides), check=False, capture_output=True, text=True,
        env=env,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if not (out / "metrics.json").exists():
        raise SystemExit(f"{name} failed:\n{done.stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())["mean"]
    stages = manifest["timings"]["stages_seconds"]
    clusters = manifest["counts"]["clusters"]
    # Scoring against the references is not summarizing: both sides leave it out.
    seconds = manifest["timings"]["total_seconds"] - stages.get("evaluate", 0.0)
    return {
        "system": f"summarize {name}" + (f" ({' '.join(overrides)})" if overrides else ""),
        "clusters": clusters,
        "seconds": seconds,
        "wall_seconds": wall,
        "clusters_per_second": clusters / seconds,
        "embed_share": stages.get("embed", 0.0) / seconds,
        "stages_seconds": stages,
        "peak_rss_mb": manifest["timings"]["peak_rss_mb"],
        "rouge1_f": metrics["rouge1_f"],
        "rouge2_f": metrics["rouge2_f"],
        "rougeLsum_f": metrics["rougeLsum_f"],
    }


def _command(data: Path, out: Path, budget: int, overrides: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "summarize", f"input.path={data}", f"output.dir={out}",
        f"budget.words={budget}", "output.formats=[jsonl]", *overrides,
    ]  # fmt: skip


def run_sumy_lexrank(data: Path, budget: int) -> dict:
    """Runs in a child process (``--peer``) so that its peak memory is measured alone."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, str(data), "--peer", "--budget", str(budget)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    record = json.loads(result.stdout.strip().splitlines()[-1])
    record["wall_seconds"] = time.perf_counter() - started
    return record


class _SumyTokenizer:
    """sumy's own Tokenizer wants NLTK data that cannot be downloaded here; same Punkt model."""

    def __init__(self) -> None:
        from summarize.stages.split import punkt_tokenizer

        self._sentences = punkt_tokenizer()
        self._word = re.compile(r"\w+(?:[-']\w+)*")

    @property
    def language(self) -> str:
        return "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(self._sentences.tokenize(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(self._word.findall(sentence))


def peer_main(data: Path, budget: int) -> None:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from summarize.output.evaluate import RougeEvaluator, mean_scores
    from summarize.pipeline import peak_rss_mb

    started = time.perf_counter()
    tokenizer = _SumyTokenizer()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    evaluator = RougeEvaluator(budget_words=budget)

    def within_budget(ranked):
        chosen, remaining = [], budget
        for info in ranked:
            words = len(str(info.sentence).split())
            if words <= remaining:
                chosen.append(info)
                remaining -= words
        return chosen

    scores = []
    clusters = 0
    scoring = 0.0
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            clusters += 1
            text = "\n\n".join(record["documents"])
            document = PlaintextParser.from_string(text, tokenizer).document
            summary = [str(s) for s in summarizer(document, within_budget)]
            if record.get("summaries"):
                scoring_started = time.perf_counter()
                scores.append(evaluator.score(summary, record["summaries"]))
                scoring += time.perf_counter() - scoring_started
    seconds = time.perf_counter() - started - scoring
    means = mean_scores(scores)
    print(
        json.dumps(
            {
                "system": "sumy LexRank (concatenated articles)",
                "clusters": clusters,
                "seconds": seconds,
                "clusters_per_second": clusters / seconds,
                "embed_share": 0.0,
                "peak_rss_mb": peak_rss_mb(),
                "rouge1_f": means["rouge1_f"],
                "rouge2_f": means["rouge2_f"],
                "rougeLsum_f": means["rougeLsum_f"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="JSONL clusters with reference summaries")
    parser.add_argument("--budget", type=int, default=250)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), help="which to run")
    parser.add_argument("--extra", nargs="*", default=[], help="NAME=OVERRIDE[,OVERRIDE...]")
    parser.add_argument("--before", help="another checkout's src folder: its default, cold")
    parser.add_argument(
        "--cache-dir", type=Path, help="keep built models here across variants and runs"
    )
    args = parser.parse_args()
    if args.peer:
        peer_main(args.data, args.budget)
        return
    variants = {name: VARIANTS[name] for name in args.variants}
    for extra in args.extra:
        name, _, overrides = extra.partition("=")
        variants[name] = overrides.split(",") if overrides else []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = [run_sumy_lexrank(args.data, args.budget)]
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if args.before:
            rows.append(run_summarize(args.data, "before", [], args.budget, workdir, args.before))
        for name, overrides in variants.items():
            rows.append(
                run_summarize(
                    args.data, name, overrides, args.budget, workdir, None, args.cache_dir
                )
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # as each one finishes
        # The peer again at the end: a machine whose load changed during the run shows here.
        rows.append(run_sumy_lexrank(args.data, args.budget))
    first, last = rows[0]["clusters_per_second"], rows[-1]["clusters_per_second"]
    peer = (first + last) / 2
    print(
        f"sumy at the start {first:.2f}, at the end {last:.2f} clusters/s; ratios against the mean"
    )
    print(
        f"{'system':60} {'clusters/s':>10} {'x sumy':>7} {'embed %':>8} {'peak MB':>8} "
        f"{'R1':>6} {'R2':>6} {'RLsum':>6}"
    )
    for row in rows:
        print(
            f"{row['system'][:60]:60} {row['clusters_per_second']:10.2f} "
            f"{row['clusters_per_second'] / peer:7.2f} "
            f"{100 * row['embed_share']:8.1f} {row['peak_rss_mb']:8.0f} "
            f"{row['rouge1_f']:6.2f} {row['rouge2_f']:6.2f} {row['rougeLsum_f']:6.2f}"
        )
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
