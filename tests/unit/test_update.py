"""Update briefings: a reader who already read about a story is told only what is new."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from summarize.data import Article, Cluster
from summarize.params import ParameterError
from summarize.pipeline import Summarizer
from summarize.run.driver import run
from summarize.stages.ingest import ClusterFailure, read_clusters
from summarize.stages.update import UpdateFilter

from ..conftest import FIXTURES, compose_config, summaries_per_option, summarizer_per_option

FERRY = FIXTURES / "update" / "ferry_strike.jsonl"
"""Yesterday the reader read that the crews struck on Monday and islanders were stranded.
Today's three articles retell that in other words and add one new fact: a mediator, Judge
Irene Catterall, for talks between the company and the union."""


def ferry_record() -> dict:
    return json.loads(FERRY.read_text(encoding="utf-8"))


def ferry_cluster() -> Cluster:
    (cluster,) = read_clusters(FERRY)
    assert isinstance(cluster, Cluster)
    return cluster


@pytest.fixture(scope="module")
def summarizers(tmp_path_factory) -> dict[str, Summarizer]:
    """Both modes with the default MiniLM embedder, built once (loading the model is slow)."""
    out = tmp_path_factory.mktemp("unused")
    return summarizer_per_option(out, "update", ("auto", "off"), "budget.words=45")


@pytest.fixture(scope="module")
def update_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("update-run")
    run(compose_config(out, f"input.path={FERRY}", "budget.words=45", "update.background=true"))
    return out


@pytest.mark.slow  # builds and runs the MiniLM model
def test_update_briefing_gives_the_new_fact_and_not_the_old_one_retold(summarizers):
    update = summarizers["auto"].summarize(ferry_cluster()).text
    assert "Catterall" in update
    assert "Monday" not in update, update  # every retelling of the strike dates it to Monday

    full = summarizers["off"].summarize(ferry_cluster()).text
    assert "Monday" in full, full  # a full briefing opens with the strike itself


def test_previous_documents_are_read_with_their_own_indices_and_sources():
    cluster = ferry_cluster()
    assert [a.index for a in cluster.articles] == [0, 1, 2]
    assert [a.index for a in cluster.previous_articles] == [3, 4]
    assert cluster.previous_articles[0].title == "Ferry crews strike"
    assert cluster.previous_articles[1].source == f"{FERRY}:1#previous_documents[1]"
    assert cluster.since == "2026-11-30"
    assert cluster.has_previous


@pytest.mark.slow  # builds and runs the MiniLM model
def test_records_mark_new_and_background_sentences(update_run):
    (record,) = [json.loads(line) for line in (update_run / "summaries.jsonl").open()]
    assert record["update"] == {"since": "2026-11-30", "previous_articles": 2}
    first, *rest = record["sentences"]
    assert first["background"] and not first["new"]
    assert "#previous_documents[" in first["source"]  # background comes from what was read
    assert rest and all(s["new"] and not s["background"] for s in rest)
    assert any("Catterall" in s["text"] for s in rest)
    markdown = (update_run / "briefings" / "ferry-strike.md").read_text(encoding="utf-8")
    assert "*New since 2026-11-30*" in markdown
    assert "**Background:** " + first["text"] in markdown
    page = (update_run / "briefings" / "ferry-strike.html").read_text(encoding="utf-8")
    assert "New since 2026-11-30" in page and "<strong>Background:</strong>" in page


def test_plain_clusters_are_written_byte_for_byte_as_without_updates(tmp_path):
    plain = tmp_path / "plain.jsonl"
    record = ferry_record()
    del record["previous_documents"], record["since"]
    plain.write_text(json.dumps(record) + "\n", encoding="utf-8")
    outputs = summaries_per_option(tmp_path, plain, "update", ("auto", "off"), "embedder=tfidf")
    assert outputs[0] == outputs[1]
    assert b'"new"' not in outputs[0] and b'"update"' not in outputs[0]


@pytest.mark.parametrize(
    ("previous", "problem"),
    [
        ("yesterday's article", "'previous_documents' must be a list of articles"),
        (["fine text", 42], "#previous_documents[1]: article is not text"),
        ([{"title": "no text"}], "#previous_documents[0]: article is not text"),
    ],
)
def test_malformed_previous_documents_fail_the_cluster_naming_file_and_line(
    tmp_path, previous, problem
):
    path = tmp_path / "batch.jsonl"
    good = ferry_record()
    bad = {**good, "id": "bad", "previous_documents": previous}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    first, second = read_clusters(path)
    assert isinstance(first, Cluster)
    assert isinstance(second, ClusterFailure)
    assert second.reason.startswith(f"{path}:2")
    assert problem in second.reason


def write_ferry_folder(root: Path) -> Path:
    """The ferry story as a folder: today's articles, and yesterday's in ``previous/``."""
    record = ferry_record()
    folder = root / "ferry-strike"
    (folder / "previous").mkdir(parents=True)
    for number, document in enumerate(record["documents"]):
        (folder / f"today-{number}.txt").write_text(document["text"], encoding="utf-8")
    for number, document in enumerate(record["previous_documents"]):
        text = document["text"] if isinstance(document, dict) else document
        (folder / "previous" / f"2026-11-{29 + number}-ferry.txt").write_text(text, "utf-8")
    return folder


@pytest.mark.slow  # builds and runs the MiniLM model
def test_previous_subfolder_holds_the_articles_already_read(tmp_path, summarizers):
    folder = write_ferry_folder(tmp_path / "stories")
    for path in (folder.parent, folder):  # a folder of clusters, or the cluster folder itself
        (cluster,) = read_clusters(path)
        assert cluster.id == "ferry-strike"
        assert [a.index for a in cluster.articles] == [0, 1, 2]
        assert [a.index for a in cluster.previous_articles] == [3, 4]
        assert all("/previous/" in a.source for a in cluster.previous_articles)
        assert cluster.since == "2026-11-30"  # the latest date that starts a previous file name
    update = summarizers["auto"].summarize(cluster).text
    assert "Catterall" in update and "Monday" not in update

    (folder / "previous").rename(folder / "Previous")  # read whatever the case of its name
    (cluster,) = read_clusters(folder.parent)
    assert [a.index for a in cluster.previous_articles] == [3, 4]


def test_new_and_previous_articles_may_not_share_an_index():
    article = Article(index=0, text="Crews struck.", source="a.txt")
    with pytest.raises(ValueError, match="both new and previous"):
        Cluster(id="c", articles=(article,), source="x", previous_articles=(article,))


def test_update_filter_refuses_bad_parameters():
    with pytest.raises(ParameterError, match=r"update\.similarity"):
        UpdateFilter(similarity=1.5)
    with pytest.raises(ParameterError, match=r"update\.concepts"):
        UpdateFilter(concepts="some")


@pytest.mark.slow  # builds and runs the MiniLM model
def test_a_second_night_briefs_only_what_the_first_did_not(summarizers):
    """What a nightly runner does: night 1 briefs the story, night 2 passes night 1 as history."""
    cluster = ferry_cluster()
    night1 = Cluster(
        id=cluster.id,
        articles=tuple(
            dataclasses.replace(a, index=n) for n, a in enumerate(cluster.previous_articles)
        ),
        source="night 1",
    )
    first = summarizers["auto"].summarize(night1)
    assert "update" not in first.details and "Monday" in first.text  # a full briefing

    resent = dataclasses.replace(night1.articles[0], index=3)  # its place in tonight's inbox
    tonight = Cluster(id=cluster.id, articles=(*cluster.articles, resent), source="2")
    update = tonight.with_previous(
        night1.articles, [s.text for s in first.sentences], since="2026-11-30"
    )
    assert [a.index for a in update.articles] == [0, 1, 2]  # the re-sent article is not news
    # it keeps its place; the other article read last night is numbered after tonight's
    assert [a.index for a in update.previous_articles] == [3, 4]
    second = summarizers["auto"].summarize(update)
    assert second.details["update"] == {"since": "2026-11-30", "previous_articles": 2}
    assert "Catterall" in second.text and "Monday" not in second.text


def test_a_cluster_whose_every_article_was_read_stays_a_full_briefing_with_a_warning():
    cluster = ferry_cluster()
    read = cluster.articles
    again = dataclasses.replace(cluster, previous_articles=()).with_previous(
        read, since="2026-11-30"
    )
    assert not again.has_previous and again.articles == cluster.articles
    assert again.warnings[-1] == (
        "no new article since the briefing of 2026-11-30; this is the full briefing again"
    )
