"""Hostile input and damaged state, through the real command line with a time limit.

Each case is built in a temporary folder from invented text; the run must end in time, the
good clusters next to a bad one must come out, and nothing outside the input may be read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from summarize.output.safe_text import markdown_text, printable
from summarize.stages.embed.cache import pack, unpack
from summarize.stages.ingest import ClusterFailure, read_clusters

SRC = Path(__file__).resolve().parents[1] / "src"

STORY = [
    "The harbour authority in Velmouth closed the northern pier on Monday after a crane "
    "toppled onto the walkway during a storm.",
    "Nobody was hurt when the crane fell, the authority said in a statement.",
    "Divers will inspect the pier supports before the walkway opens to the public again.",
    "Fishing boats moored at the northern pier were moved to the southern basin overnight.",
]
OTHER = [
    "A glassworks in the village of Tormelle reopened its furnace after a two-year repair.",
    "The owners said twelve glassblowers had been hired back for the winter season.",
    "Visitors can watch the glassblowers from a gallery above the furnace hall.",
]


def run_cli(tmp_path: Path, *overrides: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "summarize", f"output.dir={tmp_path / 'out'}", *overrides],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tmp_path,
    )


def outputs(folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


def record(cluster_id: str, documents: list, **extra) -> str:
    return json.dumps({"id": cluster_id, "documents": documents, **extra})


def test_hostile_jsonl_batch_completes_its_good_clusters(tmp_path):
    word = "x" * 200_000 + "@" + "y." * 100_000  # one 400,000-character "word"
    deep = "[" * 100_000 + "]" * 100_000
    script = "<script>alert('x')</script>"
    lines = [
        record("first", [" ".join(STORY), " ".join(STORY[1:])]),
        '{"id": "deep", "documents": ' + deep + "}",
        record("word", [word + " " + " ".join(OTHER), " ".join(OTHER)]),
        record(
            "markup",
            [
                f"{STORY[0]} {script} <img src=x onerror=alert(1)> {STORY[1]}",
                {"text": " ".join(STORY[2:]), "title": "[click](javascript:alert(1))"},
            ],
            title=f"Pier <b onmouseover=alert(1)>closed</b> [more](javascript:alert(2)) {script}",
        ),
        record("evil\nERROR cluster forged failed\x00", [" ".join(OTHER), " ".join(OTHER[:2])]),
        record("last", [" ".join(OTHER), " ".join(OTHER[1:])]),
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli(tmp_path, f"input.path={tmp_path / 'in.jsonl'}", "embedder=tfidf")
    assert done.returncode == 1, done.stderr  # one cluster failed, the batch went on
    out = tmp_path / "out"
    summaries = [json.loads(line) for line in (out / "summaries.jsonl").read_text().splitlines()]
    assert [s["id"] for s in summaries] == [
        "first", "word", "markup", "evil\nERROR cluster forged failed\x00", "last",
    ]  # fmt: skip
    assert "glassworks" in summaries[1]["summary"]
    manifest = json.loads((out / "manifest.json").read_text())
    (failure,) = manifest["failures"]
    assert failure["id"] == "line-2" and "nested more than 64 deep" in failure["reason"]

    briefings = out / "briefings"
    for path in briefings.glob("*.html"):
        text = path.read_text(encoding="utf-8").lower()
        assert "<script" not in text and "<img" not in text and "<b " not in text, path
    for path in briefings.glob("*.md"):  # no unescaped "<", no link, no javascript: URL
        text = path.read_text(encoding="utf-8").lower()
        assert not re.search(r"(?<!\\)<", text), path
        assert "javascript:" not in text and not re.search(r"(?<!\\)\]\(", text), path
    markdown = (briefings / "markup.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Pier \\<b onmouseover=alert(1)\\>closed\\</b\\>")
    evil = next(briefings.glob("evil*.md")).read_text(encoding="utf-8")
    # Control characters shown as \n and \0 (each backslash escaped for Markdown).
    assert evil.splitlines()[0] == "# evil\\\\nERROR cluster forged failed\\\\0"
    # The log keeps one record per line: the id cannot start a forged record of its own.
    log = done.stdout + done.stderr
    assert not any("ERROR cluster forged" in line[:40] for line in log.splitlines())
    assert "evil\\nERROR cluster forged failed\\0" in log


def test_folder_reads_no_link_out_of_the_input_and_no_fifo(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwords.txt").write_text("SECRETWORD one two three four five.\n")
    root = tmp_path / "in"
    (root / "pier").mkdir(parents=True)
    (root / "pier" / "a.txt").write_text("\n\n".join(STORY))
    (root / "pier" / "b.txt").write_text("\n\n".join(reversed(STORY)))
    (root / "pier" / "c.txt").symlink_to(secret / "passwords.txt")
    (root / "pier" / "d.txt").symlink_to(root / "pier" / "a.txt")  # inside the input: read
    os.mkfifo(root / "pier" / "feed.txt")
    (root / "outside").symlink_to(secret, target_is_directory=True)

    done = run_cli(tmp_path, f"input.path={root}", "embedder=tfidf", timeout=120)
    out = tmp_path / "out"
    assert "SECRETWORD" not in outputs(out) + done.stdout + done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["succeeded"] == 1
    (failure,) = manifest["failures"]
    assert failure["id"] == "outside" and "outside the input folder" in failure["reason"]
    warnings = " ".join(w["warning"] for w in manifest["warnings"])
    assert "c.txt: symbolic link to a file outside the input folder" in warnings
    assert "feed.txt: FIFO, not a regular file" in warnings
    (summary,) = [json.loads(line) for line in (out / "summaries.jsonl").read_text().splitlines()]
    assert {s["source"].rsplit("/", 1)[1] for s in summary["sentences"]} <= {
        "a.txt",
        "b.txt",
        "d.txt",
    }
    assert str(secret) not in json.dumps(manifest["input"])


def test_fifo_as_input_path_is_refused_at_once(tmp_path):
    fifo = tmp_path / "clusters.jsonl"
    os.mkfifo(fifo)
    done = run_cli(tmp_path, f"input.path={fifo}", "embedder=tfidf", timeout=60)
    assert done.returncode != 0
    assert "not a regular file or folder" in done.stdout + done.stderr


def test_huge_jsonl_line_fails_alone(tmp_path):
    path = tmp_path / "in.jsonl"
    big = record("big", ["word " * 5_000])
    number = '{"id": "n", "documents": [' + "7" * 9_000 + "]}"  # past int's digit limit
    lines = [record("a", ["One story."]), big, number, record("b", ["Two."])]
    path.write_text("\n".join(lines) + "\n")
    items = list(read_clusters(path, max_bytes=10_000))
    assert [getattr(i, "id", None) for i in items] == ["a", "line-2", "line-3", "b"]
    assert isinstance(items[1], ClusterFailure) and isinstance(items[2], ClusterFailure)
    assert "longer than the input.max_bytes limit of 10,000 bytes" in items[1].reason
    assert "malformed JSON" in items[2].reason


def test_long_article_is_cut_with_a_warning_naming_it(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(record("long", [" ".join(STORY * 200), " ".join(OTHER)]) + "\n")
    done = run_cli(
        tmp_path, f"input.path={path}", "embedder=tfidf", "cleaner.max_chars=5000", timeout=120
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    warnings = [w["warning"] for w in manifest["warnings"]]
    assert any(
        w.startswith(f"{path}:1#documents[0]: ") and "only the first" in w and "max_chars" in w
        for w in warnings
    ), warnings


def test_safe_text_escapes_controls_and_markup():
    assert printable("a\nb\rc\x00d\x1b") == "a\\nb\\rc\\0d\\x1b"
    assert markdown_text("<i>x</i> [a](javascript:go()) & ![i](data:text/html,x)") == (
        "\\<i\\>x\\</i\\> \\[a\\](javascript&#58;go()) \\& !\\[i\\](data&#58;text/html,x)"
    )
    assert markdown_text("- not a list") == "\\- not a list"


def test_cache_entry_checksum_catches_every_damage():
    entry = pack(b"payload bytes")
    assert unpack(entry) == b"payload bytes"
    for damaged in (b"", entry[:20], entry[:-1], entry[:-1] + b"X", b"garbage" * 10):
        with pytest.raises(ValueError):
            unpack(damaged)


@pytest.mark.slow
def test_damaged_cache_is_repaired_and_gives_the_clean_run_output(tmp_path):
    (tmp_path / "in.jsonl").write_text(
        record("pier", [" ".join(STORY), " ".join(STORY[1:])])
        + "\n"
        + record("glass", [" ".join(OTHER), " ".join(OTHER[:2])])
        + "\n"
    )
    cache = tmp_path / "cache"
    common = [f"input.path={tmp_path / 'in.jsonl'}", f"cache_dir={cache}", "evaluation=none"]
    first = run_cli(tmp_path, *common, timeout=600)
    assert first.returncode == 0, first.stderr
    clean = (tmp_path / "out" / "summaries.jsonl").read_bytes()

    vectors = sorted(p for p in (cache / "vectors").rglob("*") if p.is_file())
    vectors[0].write_bytes(b"")
    vectors[1].write_bytes(b"not an entry at all")
    wrong = bytearray(vectors[2].read_bytes())
    wrong[-3] ^= 0x40
    vectors[2].write_bytes(bytes(wrong))
    (model,) = [p for p in (cache / "models").rglob("*") if p.is_file()]
    model.write_bytes(model.read_bytes()[:1000])  # a truncated export

    second = run_cli(tmp_path, *common, "run.force=true", timeout=600)  # redo, reading the cache
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "out" / "summaries.jsonl").read_bytes() == clean
    assert (second.stdout + second.stderr).count("is damaged") == 4
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["embedding_cache"]["misses"] == 3
    unpack(model.read_bytes())  # rewritten whole
    for path in vectors[:3]:
        unpack(path.read_bytes())


@pytest.mark.slow
def test_model_that_passes_its_checksum_but_does_not_load_is_exported_again(tmp_path):
    from summarize.stages.embed import SentenceTransformerEmbedder

    first = SentenceTransformerEmbedder(backend="onnx-int8", cache_dir=str(tmp_path))
    first.encode(STORY)
    (model,) = [p for p in (tmp_path / "models").rglob("*") if p.is_file()]
    model.write_bytes(pack(b"\x08\x07 a valid entry, but not an ONNX model"))
    again = SentenceTransformerEmbedder(backend="onnx-int8", cache_dir=str(tmp_path))
    assert np.array_equal(again.encode(OTHER), first.encode(OTHER))
    assert again.cache_repaired == 1
    assert len(unpack(model.read_bytes())) > 1_000_000  # exported again, whole


def test_printable_cuts_long_text():
    assert printable("x" * 300, limit=10) == "x" * 9 + "…"
    assert printable(Path("a\nb")) == "a\\nb"
