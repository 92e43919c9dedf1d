import json

import pytest

from summarize.data import Article, Briefing, BriefingSentence, Cluster
from summarize.evaluate import RougeEvaluator, truncate_words
from summarize.write import BriefingWriter, safe_filename

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


def test_safe_filename_cannot_escape_the_output_folder():
    assert safe_filename("../etc/passwd <x>") == "etc_passwd_x"
    assert safe_filename("...") == "cluster"


def test_writer_records_provenance_and_renders_safely(tmp_path):
    with BriefingWriter().open(tmp_path) as out:
        out.write(BRIEFING, CLUSTER)
        out.write(BRIEFING, CLUSTER)  # same id twice must not overwrite the first files
    lines = (tmp_path / "summaries.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
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
    files = sorted(p.name for p in (tmp_path / "briefings").iterdir())
    assert files == [
        "etc_passwd_x-2.html",
        "etc_passwd_x-2.md",
        "etc_passwd_x.html",
        "etc_passwd_x.md",
    ]
    html = (tmp_path / "briefings" / "etc_passwd_x.html").read_text()
    assert "&lt;old&gt;" in html and "<old>" not in html and "Quay &lt;fire&gt;" in html
    markdown = (tmp_path / "briefings" / "etc_passwd_x.md").read_text()
    assert "quay. [0, 2]" in markdown and "## Warnings" in markdown


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown output formats"):
        BriefingWriter(formats=["pdf"])


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
