import json
from pathlib import Path

import pytest

from summarize.data import Article, Briefing, BriefingSentence, Cluster
from summarize.output.evaluate import RougeEvaluator, truncate_words
from summarize.output.index import IndexEntry, render_index
from summarize.output.render import BriefingRenderer
from summarize.run.store import RunFolder, cluster_name

CLUSTER = Cluster(
    id="../etc/passwd <x>",
    articles=(
        Article(0, "A.", "a.txt", title="Quay <fire>"),
        Article(2, "B.", "feed.jsonl:3#documents[2]"),
    ),
    source="feed.jsonl:3",
)
BRIEFING = Briefing(
    cluster_id=CLUSTER.id,
    title="Fire at the quay & dock",
    sentences=[
        BriefingSentence("A fire broke out at the <old> quay.", 0, 1, also_in=(2,)),
        BriefingSentence("Nobody was hurt, the fire service said.", 2, 4),
    ],
    warnings=["a.txt: something odd"],
)


def test_cluster_names_cannot_escape_the_output_folder_and_never_collide():
    assert cluster_name("../etc/passwd <x>").startswith("etc_passwd__x-")
    assert cluster_name("...").startswith("cluster-")
    assert cluster_name("bridge-2026") == "bridge-2026"  # safe ids are kept as they are
    assert cluster_name("a/b") != cluster_name("a_b")
    assert cluster_name("a/b") == cluster_name("a/b")  # deterministic, not a counter
    folder = RunFolder(Path("/out"))
    assert folder.briefing_path("../../x", ".md").parent == Path("/out/briefings")


def test_writer_records_provenance_and_renders_safely():
    record_line, files = BriefingRenderer().render(BRIEFING, CLUSTER)
    record = json.loads(record_line)
    assert (
        record["summary"]
        == "A fire broke out at the <old> quay. Nobody was hurt, the fire service said."
    )
    assert record["words"] == 15
    assert record["sentences"][0] == {
        "text": "A fire broke out at the <old> quay.", "article": 0, "sentence": 1,
        "source": "a.txt", "also_in": [2],
    }  # fmt: skip
    assert record["sentences"][1]["source"] == "feed.jsonl:3#documents[2]"
    assert sorted(files) == [".html", ".md"]
    html = files[".html"]
    assert "&lt;old&gt;" in html and "<old>" not in html and "Quay &lt;fire&gt;" in html
    # sources are numbered from 1 for readers and the tags link to them
    assert '<li id="source-1"><span title="a.txt">Quay &lt;fire&gt;</span></li>' in html
    assert 'href="#source-2"' in html and 'name="viewport"' in html
    # a JSONL source is named by its file, with the full location as a tooltip
    assert '<span title="feed.jsonl:3#documents[2]">feed.jsonl:3, document 3</span>' in html
    markdown = files[".md"]
    assert "quay. [1, 2]" in markdown and "## Warnings" in markdown
    assert "1. Quay \\<fire\\> (`a.txt`)" in markdown and "<old>" not in markdown


def test_index_lists_briefings_and_flags_failures():
    record = json.loads(BriefingRenderer().render(BRIEFING, CLUSTER)[0])
    entries = [
        IndexEntry.from_record(record, ["briefings/x.md", "briefings/x.html"], sources=2),
        IndexEntry(id="broken", failure="feed.jsonl:9: malformed <JSON>"),
    ]
    page = render_index(entries, "Briefings for 2026-12-01")
    assert '<a href="briefings/x.html">Fire at the quay &amp; dock</a>' in page
    assert "A fire broke out at the &lt;old&gt; quay." in page
    assert "2 sources" in page
    assert "failed:</span> feed.jsonl:9: malformed &lt;JSON&gt;" in page
    assert "1 briefing, 1 failed" in page and "15 words" in page


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown output formats"):
        BriefingRenderer(formats=["pdf"])


def test_truncate_words_cuts_at_the_budget():
    assert truncate_words(["one two three", "four five"], 4) == ["one two three", "four"]
    assert truncate_words(["one two"], 10) == ["one two"]


def test_rouge_scores_known_overlaps():
    evaluator = RougeEvaluator(budget_words=None)
    perfect = evaluator.score(
        ["The bridge fell into the river."], ["The bridge fell into the river."]
    )
    assert perfect["rouge1_f"] == pytest.approx(100.0) and perfect["rouge2_f"] == pytest.approx(
        100.0
    )
    # stemming: "falls" and "fell" differ, "bridges" matches "bridge"
    stemmed = evaluator.score(["Bridges collapsed."], ["The bridge collapses."])
    assert stemmed["rouge1_r"] == pytest.approx(100 * 2 / 3)
    # several references: the mean over references
    two = evaluator.score(["river bridge"], ["river bridge", "harbor quay"])
    assert two["rouge1_f"] == pytest.approx(50.0)


def test_rouge_is_computed_on_the_summary_cut_to_the_budget():
    evaluator = RougeEvaluator(budget_words=2)
    scores = evaluator.score(["river bridge harbor quay"], ["harbor quay"])
    assert scores["rouge1_f"] == 0.0
