"""Throughput, embedding share and peak memory of summarize against sumy's LexRank, in one run.

Each system runs in its own process on the same clusters, so peak memory is its own:

    python scripts/bench.py ../shared/data/multi_news/fulltext_sample.jsonl

``summarize`` runs through its command line in its default configuration (MiniLM with 8-bit
weights on ONNX Runtime), with the same model unquantized on ONNX Runtime and on PyTorch, and
with ``embedder=tfidf``; nothing is cached between runs. The peer is what a user of sumy would
write: LexRank over each cluster's concatenated articles, best-rated sentences within the same
word budget. Everything is reported as ratios
against the peer measured in this run, so a loaded machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_summarize(data: Path, overrides: list[str], budget: int, workdir: Path) -> dict:
    out = workdir / ("summarize-" + ("-".join(o.replace("=", "_") for o in overrides) or "default"))
    command = [
        sys.executable, "-m", "summarize", f"input.path={data}", f"output.dir={out}",
        f"budget.words={budget}", "output.formats=[jsonl]", *overrides,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, text=True)
    wall = time.perf_counter() - started
    manifest = json.loads((out / "manifest.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())["mean"]
    stages = manifest["timings"]["stages_seconds"]
    clusters = manifest["counts"]["clusters"]
    # Scoring against the references is not summarizing: both sides leave it out.
    seconds = manifest["timings"]["total_seconds"] - stages.get("evaluate", 0.0)
    return {
        "system": "summarize " + (" ".join(overrides) or "(default)"),
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
    args = parser.parse_args()
    if args.peer:
        peer_main(args.data, args.budget)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = [
            run_sumy_lexrank(args.data, args.budget),
            run_summarize(args.data, [], args.budget, workdir),
            # The same model unquantized, on ONNX Runtime and on PyTorch: what int8 buys.
            run_summarize(args.data, ["embedder.backend=onnx"], args.budget, workdir),
            run_summarize(args.data, ["embedder.backend=torch"], args.budget, workdir),
            run_summarize(args.data, ["embedder=tfidf"], args.budget, workdir),
        ]
    peer = rows[0]
    print(
        f"{'system':44} {'clusters/s':>10} {'x peer':>7} {'embed %':>8} {'peak MB':>8} "
        f"{'R1':>6} {'R2':>6} {'RLsum':>6}"
    )
    for row in rows:
        print(
            f"{row['system']:44} {row['clusters_per_second']:10.2f} "
            f"{row['clusters_per_second'] / peer['clusters_per_second']:7.2f} "
            f"{100 * row['embed_share']:8.1f} {row['peak_rss_mb']:8.0f} "
            f"{row['rouge1_f']:6.2f} {row['rouge2_f']:6.2f} {row['rougeLsum_f']:6.2f}"
        )
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
