import json

import pytest

from summarize.data import Cluster, InputError
from summarize.stages.ingest import ClusterFailure, count_clusters, read_clusters


def write_jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_reads_text_and_object_documents_with_metadata(tmp_path):
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            json.dumps({"id": "a", "documents": ["First story.", "Second story."]}),
            json.dumps(
                {
                    "id": "b",
                    "title": "Flood",
                    "date": "2026-01-02",
                    "documents": [{"text": "Water rose.", "title": "Rain", "date": "2026-01-01"}],
                    "summaries": ["The river flooded."],
                }
            ),
        ],
    )
    a, b = read_clusters(path)
    assert isinstance(a, Cluster) and [x.text for x in a.articles] == [
        "First story.",
        "Second story.",
    ]
    assert a.articles[1].source == f"{path}:1#documents[1]"
    assert (b.title, b.date, b.references) == ("Flood", "2026-01-02", ("The river flooded.",))
    assert (b.articles[0].title, b.articles[0].date) == ("Rain", "2026-01-01")


def test_jsonl_bad_lines_fail_alone_and_name_the_line(tmp_path):
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            json.dumps({"id": "good", "documents": ["A story."]}),
            '{"id": "broken", "documents": ["unterminated',
            json.dumps(["not", "an", "object"]),
            json.dumps({"id": "empty", "documents": []}),
            json.dumps({"id": "good", "documents": ["Again."]}),
            json.dumps({"id": "nulls", "documents": [None, "  "]}),
            json.dumps({"id": "last", "documents": ["Still read."]}),
        ],
    )
    items = list(read_clusters(path))
    assert [type(i).__name__ for i in items] == [
        "Cluster", "ClusterFailure", "ClusterFailure", "ClusterFailure",
        "ClusterFailure", "ClusterFailure", "Cluster",
    ]  # fmt: skip
    reasons = [i.reason for i in items if isinstance(i, ClusterFailure)]
    assert reasons[0].startswith(f"{path}:2: malformed JSON")
    assert "expected a JSON object" in reasons[1] and f"{path}:3" in reasons[1]
    assert "'documents' must be a non-empty list" in reasons[2]
    assert "appears twice" in reasons[3]
    assert "not text" in reasons[4] and "empty article" in reasons[4]
    assert items[-1].id == "last"


def test_folder_of_clusters_skips_bad_files_with_warnings(tmp_path):
    good = tmp_path / "flood"
    good.mkdir()
    (good / "a.txt").write_text("The river rose overnight.", encoding="utf-8")
    (good / "b.md").write_text("# Flood\n\nThe river rose.", encoding="utf-8")
    (good / "empty.txt").write_bytes(b"")
    (good / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (good / "latin1.txt").write_bytes("Caf\xe9 owners said".encode("latin-1"))
    (good / "notes.csv").write_text("ignored", encoding="utf-8")
    bad = tmp_path / "nothing"
    bad.mkdir()
    (bad / "x.html").write_bytes(b"")

    flood, nothing = read_clusters(tmp_path)
    assert [a.source.rsplit("/", 1)[1] for a in flood.articles] == ["a.txt", "b.md"]
    warnings = " | ".join(flood.warnings)
    assert "empty.txt: empty file" in warnings
    assert "photo.txt: binary file" in warnings
    assert "latin1.txt: not UTF-8 (byte 0xe9 at offset 3)" in warnings
    assert isinstance(nothing, ClusterFailure) and "x.html: empty file" in nothing.reason


def test_article_indices_keep_input_positions_after_a_skipped_file(tmp_path):
    (tmp_path / "1.txt").write_bytes(b"")
    (tmp_path / "2.txt").write_text("Kept story.", encoding="utf-8")
    (cluster,) = read_clusters(tmp_path)
    assert [a.index for a in cluster.articles] == [1]


def test_oversized_file_is_refused(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000, encoding="utf-8")
    (failure,) = read_clusters(tmp_path, max_bytes=100)
    assert "over the input.max_bytes limit" in failure.reason


def test_unknown_input_raises_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_clusters(tmp_path / "missing.jsonl"))
    (tmp_path / "data.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported input"):
        list(read_clusters(tmp_path / "data.csv"))


def test_count_clusters_counts_what_read_clusters_yields(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name / "previous").mkdir(parents=True)  # read-before articles: no cluster
        (tmp_path / name / "1.txt").write_text("The bridge reopened on Monday.", "utf-8")
        (tmp_path / name / "previous" / "0.txt").write_text("The bridge closed.", "utf-8")
    (tmp_path / ".cache").mkdir()
    assert count_clusters(tmp_path) == len(list(read_clusters(tmp_path))) == 2
    assert count_clusters(tmp_path / "a") == 1
    lines = tmp_path / "c.jsonl"
    lines.write_text('{"id": 1, "documents": ["x"]}\n\n{"id": 2, "documents": ["y"]}\n', "utf-8")
    assert count_clusters(lines) == 2
