"""Sentences that cannot stand alone or open a briefing, and the order that fixes the rest."""

from __future__ import annotations

import pytest

from summarize.data import Article, Cluster
from summarize.pipeline import Summarizer
from summarize.stages.clean import BoilerplateCleaner
from summarize.stages.dedup import RedundancyRemover
from summarize.stages.embed import TfidfEmbedder
from summarize.stages.order.context import (
    can_lead,
    needs_context,
    orphans,
    short_names,
    unresolved_short_names,
)
from summarize.stages.order.order import PositionOrderer
from summarize.stages.select.selectors import ConceptCoverageSelector
from summarize.stages.split import PunktSplitter


@pytest.mark.parametrize(
    "text",
    [
        "She called the flooding a disgrace for a city of this size.",
        "They had been warned twice about the weir, residents said.",
        "It was the third flood in the valley since spring.",
        "But the council has not said when the work will start.",
        "That's the figure the engineers gave the council.",
        "“We lost everything in the cellar.",
        "“We lost everything in the cellar,” she said.",
        "``We will rebuild,'' he told the crowd.",
        "''The water came in an hour.''",
        "Nothing has changed,” the official said.",  # the end of a quotation begun earlier
        'Nothing has changed," the official said.',
        "Nothing has changed,'' the official said.",
    ],
)
def test_sentences_that_need_their_neighbour(text):
    assert needs_context(text)
    assert not can_lead(text)


@pytest.mark.parametrize(
    "text",
    [
        "The river Lenna burst its banks in Harwick on Sunday, flooding 300 homes.",
        "This week, the council voted to rebuild the weir.",
        "Theatre groups in Harwick cancelled their shows.",
        "Itinerant traders lost their stalls at the market.",
        'Officials said "the weir held" until Sunday.',
        "The ``Harwick Post'' said the weir was 80 years old.",
    ],
)
def test_sentences_that_stand_alone(text):
    assert not needs_context(text)
    assert can_lead(text)


@pytest.mark.parametrize(
    "quote",
    [
        "“We lost everything in the cellar,” Mayor Ines Falk told reporters.",
        "''We lost everything,'' the former ''Harwick Post'' editor said.",
    ],
)
def test_a_credited_quotation_stands_alone_but_does_not_lead(quote):
    assert not needs_context(quote)
    assert not can_lead(quote)


def test_short_form_of_a_name_needs_the_full_name_first():
    texts = [
        "The Lenna Valley Flood Agency said the water would fall by Tuesday.",
        "Residents criticised the Agency for its late warning.",
        "Officials at the Treasury said aid would follow.",
    ]
    names = short_names(texts)
    assert names == {"Agency"}  # "the Treasury" is never given a longer name
    assert unresolved_short_names(texts[1], names, set()) == {"Agency"}
    assert unresolved_short_names(texts[1], names, {"Agency"}) == set()
    assert unresolved_short_names(texts[0], names, set()) == set()


ARTICLES = [
    (
        "“Nobody told us the weir was failing,” a shopkeeper on Mill Street said.\n\n"
        "The river Lenna burst its banks in Harwick on Sunday, flooding 300 homes and closing "
        "the main bridge, the Lenna Valley Flood Agency said.\n\n"
        "She said the water reached the first floor of her shop within an hour.\n\n"
        "Residents criticised the Agency for sending its flood warning two hours late."
    ),
    (
        "Floodwater from the river Lenna reached 300 homes in Harwick on Sunday after the old "
        "weir gave way.\n\n"
        "They were still pumping water out of the cellars on Monday night.\n\n"
        "The Agency said the water would fall by Tuesday if the rain stopped.\n\n"
        "Mayor Ines Falk declared a local emergency and opened two school halls as shelters."
    ),
]


def harwick(articles: list[str], budget_words: int = 250) -> tuple[Cluster, Summarizer]:
    """The articles as a cluster, and the default pipeline on TF-IDF (no model to load)."""
    cluster = Cluster(
        id="harwick",
        articles=tuple(Article(i, text, f"{i}.txt") for i, text in enumerate(articles)),
        source="test",
    )
    summarizer = Summarizer(
        BoilerplateCleaner(),
        PunktSplitter(),
        TfidfEmbedder(),
        RedundancyRemover(),
        ConceptCoverageSelector(),
        PositionOrderer(),
        budget_words=budget_words,
    )
    return cluster, summarizer


def harwick_briefing(budget_words: int):
    cluster, summarizer = harwick(ARTICLES, budget_words)
    return summarizer.summarize(cluster).sentences


@pytest.mark.parametrize("budget_words", [40, 60, 120])
def test_briefing_opens_on_the_event_and_no_sentence_dangles(budget_words):
    sentences = harwick_briefing(budget_words)
    texts = [s.text for s in sentences]
    # the earliest sentence is a quotation; an event statement takes its place
    assert texts[0].startswith(("The river Lenna burst its banks", "Floodwater from the river"))
    for k, sentence in enumerate(sentences):
        if needs_context(sentence.text):
            previous = sentences[k - 1]
            assert k > 0 and previous.article == sentence.article
            assert previous.position < sentence.position
    agency = [k for k, t in enumerate(texts) if "the Agency" in t or "The Agency" in t]
    full = [k for k, t in enumerate(texts) if "Lenna Valley Flood Agency" in t]
    assert all(full and full[0] < k for k in agency)


def test_budget_is_filled_when_dangling_sentences_are_dropped():
    texts = [s.text for s in harwick_briefing(120)]
    assert any(t.startswith("“Nobody told us") for t in texts)
    assert any(t.startswith("Mayor Ines Falk") for t in texts)
    assert sum(len(t.split()) for t in texts) > 90


def test_the_budget_is_filled_even_when_the_selector_must_choose_again_many_times():
    """Every body sentence opens with a pronoun and outweighs the long leads, so the selector
    keeps choosing sentences that dangle; each round excludes them and it chooses again."""
    leads = [
        "Residents of Harwick, a market town of eleven thousand people with a Norman church "
        "and a famous autumn cheese fair, woke to sirens on Sunday.",
        "Harwick, whose textile mills once employed half of its families and whose railway "
        "station closed decades ago, woke to sirens on Sunday.",
    ]
    facts = [
        "the weir at the old mill failed after three days of heavy rain",
        "fire service pumps worked through the night in the cellars of Mill Street",
        "the main bridge over the river Lenna stayed closed to all traffic",
        "the school halls on Mill Street opened as shelters for flooded families",
        "the flood warning from the valley agency came two hours too late",
        "the water reached 300 homes in the lower town near the river Lenna",
    ]
    bodies = [
        [f"They said {fact}." for fact in facts],
        [f"It added that {fact}, according to officials." for fact in facts],
    ]
    articles = ["\n\n".join([lead, *body]) for lead, body in zip(leads, bodies, strict=True)]
    cluster, summarizer = harwick(articles, budget_words=50)
    candidates = summarizer.prepare(cluster)
    few = summarizer._select_readable(candidates, 50, rounds=3)
    assert sum(candidates.sentences[i].words for i in few) < 30  # three rounds fall short
    briefing = summarizer.summarize(cluster)
    assert briefing.words > 40, briefing.text
    assert not any(needs_context(s.text) for s in briefing.sentences)  # nothing dangles


def test_a_quotation_split_over_sentences_stays_only_with_its_beginning():
    """The rest of Tom Reyes's quotation must not follow another sentence of the article, where
    it would read as somebody else's words."""
    text = (
        "The river Lenna burst its banks in Harwick on Sunday, flooding 300 homes.\n\n"
        "Mayor Ines Falk opened two school halls as shelters for the night.\n\n"
        "“The weir has failed three times,” said Tom Reyes, who runs the bakery on Mill Street. "
        "“Nobody listens to us in the town hall. The council never comes here,” he added."
    )
    cluster, summarizer = harwick([text])
    candidates = summarizer.prepare(cluster)

    def row(prefix: str) -> int:
        (index,) = [i for i, c in enumerate(candidates.sentences) if c.text.startswith(prefix)]
        return index

    river, mayor, credited = row("The river"), row("Mayor"), row("“The weir")
    begun, ended = row("“Nobody listens"), row("The council never")
    assert candidates.needs_context[begun] and candidates.needs_context[ended]
    # an earlier sentence of the article is not enough: the quotation's own start must be in
    assert orphans(candidates, [river, mayor, begun]) == [begun]
    assert orphans(candidates, [river, ended]) == [ended]
    assert orphans(candidates, [credited, begun, ended]) == []
    assert orphans(candidates, [river, credited, ended]) == [ended]


@pytest.mark.parametrize(
    ("budget_words", "opening"),
    [(80, "In all, the river Lenna flooded"), (160, "Floodwater from the river Lenna")],
)
def test_a_generic_briefing_opens_on_an_articles_top_unless_a_recap_states_it_far_better(
    budget_words, opening
):
    """The recap at the end of the third article is the most central sentence. At 80 words it
    is all the briefing has of the event and opens it, rather than volunteers filling sandbags
    (the top of that article); at 160 words the top of another article states the event and
    opens the briefing, as a news story would."""
    recap = (
        "In all, the river Lenna flooded 300 homes in Harwick on Sunday when the old weir gave "
        "way, and the main bridge stayed closed, the Lenna Valley Flood Agency said."
    )
    third = "\n\n".join(
        [
            "Volunteers filled sandbags at the Harwick fire station on Monday morning.",
            "The Red Cross sent blankets and camp beds to the two school halls.",
            "Shops on Mill Street stayed shut while the pumps ran.",
            recap,
        ]
    )
    cluster, summarizer = harwick([*ARTICLES, third], budget_words)
    candidates = summarizer.prepare(cluster)
    chosen = summarizer._select_readable(candidates, budget_words)
    heads = [i for i in chosen if can_lead(candidates.sentences[i].text)]
    central = max(heads, key=lambda i: float(candidates.embeddings[i] @ candidates.centroid))
    assert candidates.sentences[central].text == recap
    briefing = summarizer.summarize(cluster)
    assert briefing.sentences[0].text.startswith(opening), briefing.text
    assert any(s.text.startswith("Volunteers filled") for s in briefing.sentences)


def test_a_sentence_that_announces_a_list_is_never_chosen():
    """The announcing sentence shares the most with the other article, so it is chosen first;
    on its own it promises a list the briefing does not carry, so it is replaced."""
    announcing = (
        "The river Lenna flooded 300 homes in Harwick, and the valley agency urged people to:"
    )
    articles = [
        "\n\n".join(
            [
                announcing,
                "- move cars away from Mill Street",
                "- keep children away from the weir",
                "Mayor Ines Falk opened two school halls on Mill Street as shelters for the night.",
            ]
        ),
        "The river Lenna flooded 300 homes in Harwick after the valley weir failed on Sunday.\n\n"
        "The valley agency urged people in Harwick to keep away from the weir and Mill Street.",
    ]
    cluster, summarizer = harwick(articles, budget_words=40)
    candidates = summarizer.prepare(cluster)
    (row,) = [i for i, c in enumerate(candidates.sentences) if c.text == announcing]
    assert summarizer.selector.select(candidates, 40)[0] == row  # what it would choose first
    assert orphans(candidates, [row]) == [row]
    texts = [s.text for s in summarizer.summarize(cluster).sentences]
    assert announcing not in texts
    assert any(t.startswith("The river Lenna flooded 300 homes") for t in texts), texts
