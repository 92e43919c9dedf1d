"""Where the sources differ: figures read from sentences, disagreements found by the real
pipeline on an invented cluster, the record and the rendered "Sources differ" section."""

from __future__ import annotations

import dataclasses
import json
import pickle

import pytest

from summarize.data import Article, Cluster
from summarize.output.render import BriefingRenderer
from summarize.params import ParameterError
from summarize.pipeline import Summarizer
from summarize.run.worker import build_summarizer
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.disagree import DisagreementFinder, disputed, figures
from summarize.stages.embed import TfidfEmbedder
from summarize.stages.order.order import PositionOrderer
from summarize.stages.select.selectors import ConceptCoverageSelector
from summarize.stages.split import PunktSplitter
from tests.conftest import compose_config

GAZETTE = (
    "A fire at the Merrow grain terminal in Harlow Bay injured 14 workers on Sunday, the fire "
    "brigade said.",
    "The blaze started in a conveyor tunnel shortly after noon and burned for six hours.",
    "The terminal's 12 silos hold grain from about 30 farms across the valley.",
    "Eight workers were taken to hospital after the fire at the terminal.",
    "The port authority said the terminal would stay closed until further notice.",
)
TIDEWIRE = (
    "A fire at the Merrow grain terminal in Harlow Bay injured 19 workers on Sunday, the fire "
    "brigade said.",
    "Firefighters from three towns fought the flames through the afternoon.",
    "Some 12 ships were delayed outside the harbour and 45 lorries were turned away.",
    "Forty workers were evacuated from the terminal after the fire.",
    "Grain traders said prices on the regional exchange rose by 3 percent on Monday.",
)
RADIO = (
    "A fire at the Merrow grain terminal in Harlow Bay injured 14 workers on Sunday, the brigade "
    "said.",
    "Residents of the harbour district were told to keep their windows shut.",
    "The terminal reopened a second conveyor line in 2019 after a two-year refit.",
)
OUTLETS = (("Kestrel Gazette", GAZETTE), ("Tidewire", TIDEWIRE), ("Harbour Radio", RADIO))


def article(index: int, title: str, lines: tuple[str, ...]) -> Article:
    source = title.lower().replace(" ", "-") + ".txt"
    return Article(index=index, text="\n".join(lines), source=source, title=title)


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    articles = tuple(article(i, title, lines) for i, (title, lines) in enumerate(OUTLETS))
    return Cluster(id="merrow-fire", articles=articles, source="invented")


def summarizer(finder: DisagreementFinder | None = None) -> Summarizer:
    return Summarizer(
        BoilerplateCleaner(), PunktSplitter(), TfidfEmbedder(), RedundancyRemover(),
        ConceptCoverageSelector(), PositionOrderer(), budget_words=60,
        disagreements=finder or DisagreementFinder(),
    )  # fmt: skip


def figures_of(briefing) -> list[list[tuple[int, str]]]:
    return [[(v.article, v.figure) for v in d.variants] for d in briefing.disagreements]


def test_figures_are_read_with_their_kind_unit_and_bound():
    found = figures(
        "Up to 10,500 people fled in 24 hours, about 85% of the area, since 2012, at a cost of "
        "$4.5 million, a 45-year-old said; more than three ships sank."
    )
    described = [(f.text, f.value, f.kind, sorted(f.unit), f.bound) for f in found]
    assert described == [
        ("Up to 10,500", 10500.0, "count", ["fled", "peopl"], "<="),
        ("24", 24.0, "duration", ["hour"], "="),
        ("85%", 85.0, "percent", [], "="),
        ("2012", 2012.0, "year", [], "="),
        ("$4.5 million", 4.5e6, "money", ["dollar"], "="),
        ("45-year-old", 45.0, "age", ["said"], "="),
        ("more than three", 3.0, "count", ["sank", "ship"], ">="),
    ]
    dates = figures("On Dec. 12, 5 decades after March three, 30 juniors met in June 2012.")
    assert [(f.text, f.kind) for f in dates] == [
        ("12", "day"),
        ("5", "duration"),
        ("30", "count"),
        ("2012", "year"),
    ]
    # a bound is not contradicted by a value within it
    more, exact = figures("more than 300 people died")[0], figures("310 people died")[0]
    assert not more.conflicts(exact)
    assert figures("290 people died")[0].conflicts(more)


@pytest.mark.parametrize(
    ("text", "other", "why", "changed"),
    [
        (
            "The blight destroys up to 3 million hectares a year and damages another 300 million.",
            "The blight damages at least 300 million hectares a year and destroys up to 2.7 million.",
            "destroys and damages govern different measures; 2.7 million is 3 million rounded",
            ("up to 3 million", "4 million"),
        ),
        (
            "Last year the outbreak sickened 55 people and killed 7 in Tarnby.",
            "In 2019 the outbreak killed 7 elderly people in Tarnby and sickened 60.",
            "the seven killed are shared, the 55 and 60 sickened are in different years",
            ("55", "65"),
        ),
        (
            "Some 212 drivers have been fined on the causeway since 2004, the council says.",
            "There have been 30 drivers who have been fined on the causeway since 2011.",
            "two figures differ: another period, not another count",
            ("212", "250"),
        ),
        (
            "Some 54 percent of the harbour's pilots are over fifty.",
            "Nearly 55 percent of the harbour's pilots are over fifty.",
            "nearly 55 is a little under 55",
            ("54 percent", "60 percent"),
        ),
        (
            "Only 2.3 percent of the harbour's pilots are women.",
            "Only 2 percent of the harbour's pilots are women.",
            "one is the other rounded",
            ("2.3 percent", "4.5 percent"),
        ),
        (
            "The harbour board expects a surplus next year of $117 million.",
            "The harbour board expects the surplus over the next 10 years to be $2.9 billion.",
            "a number beside the other figure (ten years) that the first lacks: another scope",
            ("$117 million", "$140 million"),
        ),
        (
            "Some 36 children aged 5 to 7 in the county could not read.",
            "In all, 56 children in the county could not read at the age of nine.",
            "two ages beside the figures: children of different ages",
            ("36", "48"),
        ),
        (
            "The union represents about 143,000 workers at the Varn plant.",
            "There are another 150,000 union workers at the Varn plant.",
            "another 150,000 adds to a total, it does not state one",
            ("143,000", "160,000"),
        ),
        (
            "Some 19,000 pupils in Darnow cannot swim.",
            "One in 10 pupils in Darnow cannot swim.",
            "the terms of a rate are no counts",
            ("19,000", "21,000"),
        ),
        (
            "Some 60 percent of voters in Darnow want a second ballot.",
            "Some 70 percent of voters in Darnow do not want a second ballot.",
            "a negated clause states the opposite, not another figure for the same",
            ("60 percent", "65 percent"),
        ),
        (
            "A 36-year-old man was charged with the theft, police said.",
            "The 9-year-old girl saw the theft, police said.",
            "the ages of two people",
            ("36-year-old", "38-year-old"),
        ),
        (
            "That explosion killed a guard and injured 111 people at the Varn depot.",
            "Nine people were injured in those explosions at the Varn depot.",
            "each points back to explosions of its own article: one, and several",
            ("111", "130"),
        ),
        (
            "The council said 129 tenants were evicted in the latest round.",
            "The council said 194 tenants are among the evicted families.",
            "each qualifies its count in words the other lacks: two scopes",
            ("129", "150"),
        ),
        (
            "June 26 -- The dockers file an appeal with the Harlow court.",
            "That appeal was rejected on June 23, and the dockers were given five days.",
            "a date that governs nothing (a timeline entry) against the date of a rejection",
            ("26", "28"),
        ),
        (
            "The crater lake formed some 15 million years ago.",
            "The crater lake formed between 12 million and 20 million years ago.",
            "a range's ends are not figures of their own",
            ("15 million", "17 million"),
        ),
    ],
)
def test_figures_that_do_not_dispute_each_other(text, other, why, changed):
    assert disputed(text, other) is None, why
    old, new = changed  # the same sentence with one figure changed does dispute it
    assert [f.text for f in disputed(text, text.replace(old, new))] == [old, new]


def test_another_measure_beside_the_figure_does_not_hide_a_dispute():
    """A coordinated second measure ("and wounded 70 others") is no scope of the first, and a
    sentence-opening date with a time word before it still disputes one with the same verb."""
    found = disputed(
        "A bomb at the embassy in Tarnby killed 11 people.",
        "A car bomb outside the embassy in Tarnby killed 10 people and wounded about 70 others.",
    )
    assert [f.text for f in found] == ["11", "10"]


def test_the_word_that_governs_a_figure_is_in_its_own_clause():
    """Across a comma, and in a time word, no verb governs the figure: no governing word to
    compare ("neighbourhoods, about 85%"), where "seized about 80%" has one."""
    leads = [
        f.lead
        for text in (
            "The army took 32 neighbourhoods, about 85% of the area.",
            "Government forces seized about 80% of the city.",
            "Today some 150,000 settlers live in the valley.",
            "The appeal was rejected on June 23.",
        )
        for f in figures(text)
        if f.value not in (32,)
    ]
    assert leads == [set(), {"forc", "seiz"}, set(), {"reject"}]
    # a governing word in common is enough: "was sworn in as mayor", "took the oath as mayor"
    crowned = disputed(
        "She was sworn in as mayor June 11 in Darnow.",
        "She took the oath as mayor June 13 in Darnow.",
    )
    assert [f.text for f in crowned] == ["11", "13"]


def test_two_outlets_with_two_figures_for_one_measure_are_listed_with_both(cluster):
    briefing = summarizer().summarize(cluster)
    assert figures_of(briefing) == [[(0, "14"), (1, "19"), (2, "14")]]
    (item,) = briefing.disagreements
    assert "injured" in item.about and "workers" in item.about and "14" not in item.about
    assert item.in_briefing  # the lede states it


def test_different_measures_and_a_number_merely_shared_are_not_listed(cluster):
    """Eight taken to hospital and forty evacuated are two measures of workers; the twelve
    silos and the twelve ships only share a number; the 3 percent rise is stated once."""
    listed = {v.text for d in summarizer().summarize(cluster).disagreements for v in d.variants}
    assert not any("hospital" in t or "evacuated" in t or "12" in t for t in listed)
    # the lede alone, the rest of each article as it was: nothing left to list
    lede_free = dataclasses.replace(
        cluster,
        articles=tuple(
            dataclasses.replace(a, text="\n".join(a.text.splitlines()[1:]))
            for a in cluster.articles
        ),
    )
    assert summarizer().summarize(lede_free).disagreements == []
    # another place named near the figure: another event, not another count
    elsewhere = dataclasses.replace(
        cluster.articles[1],
        text=cluster.articles[1].text.replace("in Harlow Bay", "in Corrin Bay"),
    )
    moved = dataclasses.replace(cluster, articles=(cluster.articles[0], elsewhere))
    assert summarizer().summarize(moved).disagreements == []


def test_a_name_in_the_figures_clause_is_another_place(cluster):
    """A name beyond the words around the figure but in its clause: another scope."""

    def lede(place: str):
        text = cluster.articles[1].text.replace(
            "19 workers on Sunday,", f"19 workers on Sunday at its sister plant {place},"
        )
        tidewire = dataclasses.replace(cluster.articles[1], text=text)
        return dataclasses.replace(cluster, articles=(cluster.articles[0], tidewire))

    assert summarizer().summarize(lede("in Corrin")).disagreements == []
    assert figures_of(summarizer().summarize(lede("in the north"))) == [[(0, "14"), (1, "19")]]


def test_a_republished_copy_is_not_a_second_variant(cluster):
    """A copy of the Tidewire story, edited to another figure, still counts as Tidewire."""
    copy = dataclasses.replace(
        cluster.articles[1],
        index=3,
        source="coastal-post.txt",
        title="Coastal Post",
        text=cluster.articles[1].text.replace("19 workers", "21 workers"),
    )
    briefing = summarizer().summarize(
        dataclasses.replace(cluster, articles=(*cluster.articles, copy))
    )
    assert briefing.details["republished"] == [{"article": 3, "copy_of": 1}]
    assert figures_of(briefing) == [[(0, "14"), (1, "19"), (2, "14")]]


def test_a_denial_is_listed_with_both_sides():
    claim = "The Merrow terminal failed a safety inspection in March, the inspectors said."
    denial = "The owners denied that the Merrow terminal failed a safety inspection in March."
    articles = (
        article(0, "Kestrel Gazette", (claim, GAZETTE[1])),
        article(1, "Tidewire", (denial, TIDEWIRE[1])),
    )
    # TF-IDF fitted on two short articles puts this close statement at cosine 0.65
    finder = summarizer(DisagreementFinder(threshold=0.6, denials=True))
    briefing = finder.summarize(Cluster(id="inspection", articles=articles, source="x"))
    assert figures_of(briefing) == [[(0, "states"), (1, "denies")]]
    no_denials = summarizer(DisagreementFinder(threshold=0.6))  # the default: not listed
    assert no_denials.summarize(Cluster(id="x", articles=articles, source="x")).disagreements == []


def test_a_paraphrase_is_listed_by_the_figures_own_phrase():
    """Two sentences that say more than the figure, and differently: the figures' own phrases
    ("Kestrel County has ... registered voters") state one measure; two poll figures with
    different predicates ("back the new bridge", "oppose the toll") do not."""
    gazette = (
        "Kestrel County has some 350,000 registered voters, and officials expect turnout at "
        "the mayoral election to beat the record.",
        "Some 60 percent of voters in Kestrel County back the new bridge, a poll found.",
        "The mayoral election is the first since the county merged its two districts.",
    )
    tidewire = (
        "Kestrel County has about 320,000 registered voters.",
        "Some 45 percent of voters in Kestrel County oppose the toll, a poll for the council "
        "found.",
        "Candidates spent the weekend canvassing in the market towns of Kestrel County.",
    )
    articles = (article(0, "Kestrel Gazette", gazette), article(1, "Tidewire", tidewire))
    cluster = Cluster(id="vote", articles=articles, source="x")
    # TF-IDF fitted on two short articles puts both pairs of sentences at cosine 0.39
    loose = summarizer(DisagreementFinder(paraphrases=True, topic_threshold=0.3))
    assert figures_of(loose.summarize(cluster)) == [[(0, "350,000"), (1, "320,000")]]
    assert summarizer().summarize(cluster).disagreements == []  # not a close statement


def test_the_record_and_both_pages_show_the_section(cluster):
    briefing = summarizer().summarize(cluster)
    line, files = BriefingRenderer().render(briefing, cluster)
    (item,) = json.loads(line)["disagreements"]
    assert [(v["article"], v["source"], v["figure"]) for v in item["variants"]] == [
        (0, "kestrel-gazette.txt", "14"),
        (1, "tidewire.txt", "19"),
        (2, "harbour-radio.txt", "14"),
    ]
    assert item["variants"][1]["text"] == TIDEWIRE[0] and item["variants"][0]["when"] == "on Sunday"
    markdown = files[".md"]
    section = markdown[markdown.index("## Sources differ") : markdown.index("## Sources\n")]
    assert "- A fire at the Merrow grain terminal in Harlow Bay injured \\[…\\] workers" in section
    assert (
        "  - **14**: Kestrel Gazette [1]; Harbour Radio [3]\n  - **19**: Tidewire [2]\n" in section
    )
    page = files[".html"]
    assert "<h2>Sources differ</h2>" in page
    assert '<span class="figure">19</span> <span title="' in page
    assert 'Tidewire</span><sup><a href="#source-2">2</a></sup></li>' in page
    # the briefing's own text, the scored part, does not carry the section
    assert "Sources differ" not in briefing.text
    # a time is shown when the sources give different ones
    later = cluster.articles[1].text.replace("19 workers on Sunday", "19 workers on Monday")
    articles = (cluster.articles[0], dataclasses.replace(cluster.articles[1], text=later))
    timed = dataclasses.replace(cluster, articles=articles)
    _, files = BriefingRenderer().render(summarizer().summarize(timed), timed)
    assert (
        "  - **14** (on Sunday): Kestrel Gazette [1]\n  - **19** (on Monday): Tidewire"
        in files[".md"]
    )


def test_hostile_text_in_a_disagreement_is_escaped():
    lines = ("A <script>x</script> fire at the [Merrow](javascript:alert) terminal injured 14 "
             "workers on Sunday, the brigade said.",)  # fmt: skip
    other = (lines[0].replace("14", "19"), *TIDEWIRE[1:4])
    lines = (*lines, *GAZETTE[1:4])
    articles = (article(0, "<b>Gazette</b>", lines), article(1, "Tide*wire*", other))
    cluster = Cluster(id="hostile", articles=articles, source="x")
    _, files = BriefingRenderer().render(summarizer().summarize(cluster), cluster)
    assert "<script>" not in files[".html"] and "&lt;script&gt;" in files[".html"]
    assert "&lt;b&gt;Gazette&lt;/b&gt;" in files[".html"]
    section = files[".md"][files[".md"].index("## Sources differ") :]
    assert "<script>" not in section and "](javascript" not in section
    assert "Tide\\*wire\\*" in section


def test_off_leaves_no_trace_and_bad_values_are_refused(tmp_path, cluster):
    off = build_summarizer(compose_config(tmp_path, "embedder=tfidf", "disagree=off"))
    briefing = off.summarize(cluster)
    assert briefing.disagreements is None
    line, files = BriefingRenderer().render(briefing, cluster)
    assert "disagreements" not in json.loads(line) and "Sources differ" not in files[".md"]
    auto = build_summarizer(compose_config(tmp_path, "embedder=tfidf"))
    assert figures_of(auto.summarize(cluster)) == [[(0, "14"), (1, "19"), (2, "14")]]
    assert pickle.loads(pickle.dumps(auto.disagreements)).threshold == auto.disagreements.threshold
    with pytest.raises(ParameterError, match=r"disagree\.context_words"):
        DisagreementFinder(context_words=0)


@pytest.mark.slow  # builds and runs the MiniLM model
def test_the_default_configuration_lists_it_with_minilm(tmp_path, cluster, minilm):
    default = build_summarizer(compose_config(tmp_path))
    default.embedder = minilm
    assert figures_of(default.summarize(cluster)) == [[(0, "14"), (1, "19"), (2, "14")]]
