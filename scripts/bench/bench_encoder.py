"""Sentences per second of each encoder variant, side by side in one process, and their cosine
to the unquantized MiniLM.

The first sentences of a cluster file, split as the pipeline splits them, are embedded one by
one (as the default does) on one thread by each variant in turn, for ``--rounds`` rounds
(interleaved, so a change in the machine's load hits every variant alike); the median pass is
reported, with its ratio to today's default (MiniLM, 8-bit, the graph as exported).

    python scripts/bench/bench_encoder.py DATA.jsonl --sentences 600 \
        [--student PATH ...]   # student ONNX graphs to add (the shipped one is always in)

Variants: ``minilm-int8`` (today's default), ``minilm-int8-fused`` (the same after ONNX
Runtime's BERT fusions), the shipped student, and each ``--student`` file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from summarize.data import Article
from summarize.stages.embed.model import OFFLINE_MINILM, resolve_model_path
from summarize.stages.embed.onnx import (
    encode_onnx,
    export_onnx,
    inference_session,
    transformer_inputs,
)
from summarize.stages.embed.student import StudentEmbedder
from summarize.stages.split import PunktSplitter


def sentences(path: Path, count: int) -> list[str]:
    splitter, texts = PunktSplitter(), []
    with path.open() as handle:
        for line in handle:
            for number, text in enumerate(json.loads(line)["documents"]):
                split, _ = splitter.split(Article(index=number, text=text, source=str(path)))
                texts.extend(s.text for s in split)
            if len(texts) >= count:
                break
    return list(dict.fromkeys(texts))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--sentences", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--student", nargs="*", default=[], help="more student ONNX files")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    texts = sentences(args.data, args.sentences)
    teacher = SentenceTransformer(resolve_model_path(OFFLINE_MINILM), device="cpu")
    reference = teacher.encode(texts, batch_size=16, normalize_embeddings=True)
    names = transformer_inputs(teacher)
    variants = {}
    for label, fuse in (("minilm-int8", False), ("minilm-int8-fused", True)):
        session = inference_session(export_onnx(teacher, names, quantize=True, fuse=fuse))
        variants[label] = lambda t, s=session: encode_onnx(teacher, s, names, t, 1, 1)
    for student in ["minilm-l3-int8.onnx", *args.student]:
        embedder = StudentEmbedder(student=student, threads=1)
        embedder.load()
        variants[f"student {Path(student).name}"] = embedder._compute
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    vectors = {}
    for _ in range(args.rounds):
        for name, encode in variants.items():
            started = time.perf_counter()
            vectors[name] = encode(texts)
            seconds[name].append(time.perf_counter() - started)
    today = statistics.median(seconds["minilm-int8"])
    print(f"{len(texts)} sentences, one by one, one thread; median of {args.rounds} passes")
    print("| variant | s / pass | sentences/s | vs today | cosine to fp32 MiniLM (mean / min) |")
    print("|---|---|---|---|---|")
    for name, times in seconds.items():
        median = statistics.median(times)
        cosine = (vectors[name] * reference).sum(axis=1)
        print(f"| {name} | {median:.2f} | {len(texts) / median:.0f} | {today / median:.2f}x "
              f"| {cosine.mean():.4f} / {cosine.min():.4f} |")  # fmt: skip


if __name__ == "__main__":
    main()
