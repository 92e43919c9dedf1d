"""Query-focused briefings: a reader's question tips the selection towards its answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarize.data import Cluster
from summarize.params import ParameterError
from summarize.pipeline import Summarizer
from summarize.run.driver import run
from summarize.run.worker import build_summarizer
from summarize.stages.focus import IgnoreQuery, QueryFocus, query_concepts, query_relevance
from summarize.stages.ingest import ClusterFailure, input_files, read_clusters

from ..conftest import FIXTURES, compose_config, summaries_per_option, summarizer_per_option

KELMOOR = FIXTURES / "focus" / "kelmoor_storm.jsonl"
"""A storm in an invented harbour town, told by three outlets: boats sunk, power out, the fish
market flooded, and (less widely repeated) the schools closed until Monday. Its query asks
about the schools."""


def kelmoor_record() -> dict:
    return json.loads(KELMOOR.read_text(encoding="utf-8"))


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def summarizers(tmp_path_factory) -> dict[str, Summarizer]:
    out = tmp_path_factory.mktemp("unused")
    return summarizer_per_option(out, "focus", ("auto", "off"), "budget.words=45")


@pytest.mark.slow  # builds and runs the MiniLM model
def test_a_focused_briefing_answers_the_query_that_a_generic_one_leaves_out(summarizers):
    (cluster,) = read_clusters(KELMOOR)
    assert cluster.query == "Schools. Are the schools closed, and how will pupils be taught?"
    focused = summarizers["auto"].summarize(cluster)
    generic = summarizers["off"].summarize(cluster)
    assert "schools are closed" in focused.text, focused.text
    assert "school" not in generic.text, generic.text
    assert focused.details["query"] == cluster.query
    assert "query" not in generic.details


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("  How many died?  ", "How many died?"),
        ("How many\n   died?", "How many died?"),
        (
            {"title": "Euro.", "narrative": "Describe the steps taken."},
            "Euro. Describe the steps taken.",
        ),
        ({"narrative": "Describe the steps taken."}, "Describe the steps taken."),
        ({"title": "Euro"}, "Euro"),
        ("   ", None),
        (None, None),
    ],
)
def test_jsonl_query_is_a_string_or_a_title_and_narrative(tmp_path, query, expected):
    record = {**kelmoor_record(), "query": query}
    (cluster,) = read_clusters(write_jsonl(tmp_path / "q.jsonl", record))
    assert isinstance(cluster, Cluster)
    assert cluster.query == expected


@pytest.mark.parametrize("query", [42, ["schools"], {"title": 3}, {"topic": "schools"}])
def test_a_malformed_query_fails_its_cluster_naming_file_and_line(tmp_path, query):
    good = kelmoor_record()
    path = write_jsonl(tmp_path / "q.jsonl", good, {**good, "id": "bad", "query": query})
    first, second = read_clusters(path)
    assert isinstance(first, Cluster)
    assert isinstance(second, ClusterFailure)
    assert second.reason.startswith(f"{path}:2")
    assert "'query' must be a string" in second.reason


def kelmoor_folder(root: Path) -> Path:
    """The Kelmoor story as a cluster folder, one file per article, no query yet."""
    folder = root / "inbox" / "kelmoor"
    folder.mkdir(parents=True)
    for number, document in enumerate(kelmoor_record()["documents"]):
        (folder / f"{number}.txt").write_text(document["text"], encoding="utf-8")
    return folder


def test_query_txt_in_a_cluster_folder_is_the_query_and_not_an_article(tmp_path):
    folder = kelmoor_folder(tmp_path)
    (folder / "query.txt").write_text("Are the schools\nclosed?\n", encoding="utf-8")
    (cluster,) = read_clusters(folder.parent)
    assert cluster.query == "Are the schools closed?"
    assert len(cluster.articles) == 3
    assert folder / "query.txt" in input_files(folder.parent)  # hashed into the manifest

    (folder / "query.txt").write_bytes(b"\xff\xfe bad")
    (failure,) = read_clusters(folder.parent)
    assert isinstance(failure, ClusterFailure)
    assert "query.txt" in failure.reason and "not UTF-8" in failure.reason


def test_query_file_is_found_whatever_the_case_of_its_name(tmp_path):
    folder = kelmoor_folder(tmp_path)
    (folder / "Query.TXT").write_text("Are the schools closed?\n", encoding="utf-8")
    (cluster,) = read_clusters(folder.parent)
    assert cluster.query == "Are the schools closed?"
    assert len(cluster.articles) == 3  # not summarized as a fourth article

    (folder / "query.txt").write_text("Is the ferry running?\n", encoding="utf-8")
    (failure,) = read_clusters(folder.parent)
    assert isinstance(failure, ClusterFailure)
    assert "Query.TXT, query.txt are one name in different cases" in failure.reason


def test_a_run_records_the_query_and_the_briefing_says_what_it_is_focused_on(tmp_path):
    out = tmp_path / "run"
    run(compose_config(out, f"input.path={KELMOOR}", "budget.words=45", "embedder=tfidf"))
    record = json.loads((out / "summaries.jsonl").read_text(encoding="utf-8"))
    assert (
        record["query"]
        == kelmoor_record()["query"]["title"] + ". " + (kelmoor_record()["query"]["narrative"])
    )
    markdown = (out / "briefings" / "kelmoor-storm.md").read_text(encoding="utf-8")
    assert "*Focused on: Schools. Are the schools closed" in markdown
    page = (out / "briefings" / "kelmoor-storm.html").read_text(encoding="utf-8")
    assert '<p class="focus"><em>Focused on: Schools.' in page


def test_clusters_without_a_query_are_written_byte_for_byte_as_without_focus(tmp_path):
    record = kelmoor_record()
    del record["query"]
    plain = write_jsonl(tmp_path / "plain.jsonl", record)
    outputs = summaries_per_option(tmp_path, plain, "focus", ("auto", "off"), "embedder=tfidf")
    assert outputs[0] == outputs[1]
    assert b'"query"' not in outputs[0]


def test_a_run_wide_query_applies_to_every_cluster_and_wins_over_their_own():
    own = Cluster("c", (), "c.jsonl:1", query="Who won?")
    assert QueryFocus(query="Schools?").query_for(own) == "Schools?"
    assert QueryFocus().query_for(own) == "Who won?"
    assert QueryFocus(weight=0.0).query_for(own) == "Who won?"  # the query's words still count
    assert QueryFocus(weight=0.0, concept_boost=0.0).query_for(own) is None  # a generic briefing
    assert IgnoreQuery().query_for(own) is None


@pytest.mark.slow  # builds and runs the MiniLM model
def test_the_words_of_the_query_alone_bring_its_facts_into_the_briefing(tmp_path):
    """Without the embedding prior, boosting the concepts that name what was asked is enough
    to bring the schools into the briefing; with neither, it is a generic one."""
    (cluster,) = read_clusters(KELMOOR)
    texts = {}
    for boost in (0.0, 2.0):
        summarizer = build_summarizer(
            compose_config(
                tmp_path, "budget.words=45", "focus.weight=0", f"focus.concept_boost={boost}"
            )
        )
        texts[boost] = summarizer.summarize(cluster).text
    assert "school" not in texts[0.0], texts[0.0]
    assert "schools" in texts[2.0], texts[2.0]


@pytest.mark.slow  # builds and runs the MiniLM model
def test_the_concepts_that_name_what_was_asked_weigh_more(summarizers):
    (cluster,) = read_clusters(KELMOOR)
    candidates = summarizers["auto"].prepare(cluster)
    asked = query_concepts(candidates, "Are the schools closed?")
    assert ("the", "school") in asked and ("stay", "close") in asked
    assert query_concepts(candidates, "Rudd's schools?") == query_concepts(
        candidates, "Rudd schools?"
    )  # the "s" of a possessive is not a word of the query
    assert all({"school", "close"} & set(concept) for concept in asked)
    assert candidates.concept_factor == dict.fromkeys(
        query_concepts(candidates, cluster.query), 2.0
    )
    generic = summarizers["off"].prepare(cluster)
    assert generic.concept_factor == {} and generic.focus is None


def test_relevance_ranks_sentences_by_closeness_to_the_query():
    query = [1.0, 0.0]
    rows = [[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]
    assert query_relevance(_unit(rows), _unit([query])[0]).tolist() == pytest.approx([0, 1, 0.6])
    assert query_relevance(_unit([[0.6, 0.8]]), _unit([query])[0]).tolist() == [1.0]


def test_focus_refuses_a_negative_weight_naming_the_key():
    with pytest.raises(ParameterError, match=r"focus\.weight must be a number >= 0"):
        QueryFocus(weight=-1.0)


def _unit(rows):
    import numpy as np

    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)
