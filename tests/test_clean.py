"""Stage 1 (ingest and clean): debris goes, story text stays verbatim.

Fixtures in tests/fixtures/scraped/ are invented articles laid out like real scraped pages.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import summarize
from summarize.data import Article, count_words
from summarize.stages.clean import BoilerplateCleaner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "scraped"
SAMPLE = Path(summarize.__file__).parent / "sample"
CLUSTER = SAMPLE / "ostrey-bridge-collapse"


def clean_file(name: str, **params: object) -> Article:
    path = FIXTURES / name
    article = Article(index=0, text=path.read_text(encoding="utf-8"), source=str(path))
    return BoilerplateCleaner(**params).clean(article)


def clean_text(text: str, source: str = "doc.txt", **params: object) -> Article:
    return BoilerplateCleaner(**params).clean(Article(index=0, text=text, source=source))


def paragraphs(article: Article) -> list[str]:
    return article.text.split("\n\n") if article.text else []


def assert_absent(text: str, *needles: str) -> None:
    for needle in needles:
        assert needle not in text, f"{needle!r} survived cleaning"


# --- wire story: dateline, Reuters mentions, captions, related lists, trailing headlines ----


def test_wire_dateline_prefix_is_stripped_but_the_paragraph_kept() -> None:
    article = clean_file("wire_dateline.txt")
    first = paragraphs(article)[0]
    assert first == (
        "A fire tore through a chemical storage warehouse at the port of Kestrel Bay on Sunday, "
        "forcing the evacuation of about 2,000 residents and halting ship traffic, officials said."
    )
    assert_absent(article.text, "KESTREL BAY", "(Reuters) -")


def test_story_paragraph_mentioning_reuters_is_kept() -> None:
    article = clean_file("wire_dateline.txt")
    assert (
        "“The roof came down within twenty minutes, and we pulled our crews back to protect the "
        "neighbouring tanks,” a fire brigade commander told Reuters."
    ) in paragraphs(article)


def test_caption_with_agency_credit_is_removed() -> None:
    article = clean_file("wire_dateline.txt")
    assert_absent(article.text, "REUTERS/Tomas Eberhardt", "Smoke rises from a burning warehouse")


def test_related_coverage_list_is_removed_and_story_after_it_kept() -> None:
    article = clean_file("wire_dateline.txt")
    assert_absent(
        article.text,
        "Related Coverage",
        "Norland port strike ends after pay deal",
        "Shipping rates climb as northern ports reopen",
        "Factbox",
    )
    assert "The warehouse, operated by the logistics firm Halvor Freight" in article.text


def test_trailing_headlines_and_reporting_credits_are_removed() -> None:
    article = clean_file("wire_dateline.txt")
    assert_absent(
        article.text,
        "Fishing quotas set for northern waters",
        "Regional election campaign enters final week",
        "Norland central bank holds rates steady",
        "Reporting by",
        "Editing by",
    )
    assert paragraphs(article)[-1].startswith("Port authorities said ship traffic would resume")


def test_short_quotes_ending_in_punctuation_are_kept() -> None:
    assert "“Stay indoors.”" in paragraphs(clean_file("wire_dateline.txt"))
    assert '"We were ready."' in paragraphs(clean_file("doubled_caption.txt"))


def test_first_headline_becomes_the_title_and_leaves_the_text() -> None:
    article = clean_file("wire_dateline.txt")
    assert article.title == "Firefighters battle warehouse blaze at Kestrel Bay port"
    assert "Firefighters battle" not in article.text


def test_a_given_title_is_kept_and_the_headline_still_dropped() -> None:
    path = FIXTURES / "wire_dateline.txt"
    article = Article(index=3, text=path.read_text(), source=str(path), title="Port fire")
    cleaned = BoilerplateCleaner().clean(article)
    assert cleaned.title == "Port fire"
    assert "Firefighters battle" not in cleaned.text


# --- BBC-like page: skip link, doubled caption, quoted subheadings, media debris ----------


def test_doubled_caption_and_page_debris_are_removed() -> None:
    article = clean_file("doubled_caption.txt")
    assert_absent(
        article.text,
        "skip to main content",
        "Sandbags stacked",
        "Image copyright",
        "Image caption",
        "The gates took eleven years",
        "Media playback",
        "Drone footage",
        "Advertisement",
    )
    assert article.title == "Amberfold flood gates close as river reaches record height"


def test_quoted_subheading_goes_but_the_quote_itself_stays() -> None:
    article = clean_file("doubled_caption.txt")
    assert "'It held'" not in paragraphs(article)
    assert (
        '"It held," said chief engineer Odile Brandt on Saturday morning. '
        '"That is all any of us wanted."'
    ) in paragraphs(article)


def test_all_story_paragraphs_of_the_bbc_like_page_survive() -> None:
    article = clean_file("doubled_caption.txt")
    assert len(paragraphs(article)) == 7
    assert paragraphs(article)[0].startswith("The flood gates that protect the market town")
    assert paragraphs(article)[-1].endswith("not to use the ford at Lenn Bridge.")


# --- paywalled page: share buttons, caption doubled with credit, teaser tail -------------


def test_caption_repeated_once_with_credit_loses_both_copies() -> None:
    article = clean_file("paywall_tail.txt")
    assert_absent(article.text, "Cranes stand idle", "Credit:", "Petra Lindahl")


def test_share_button_and_sign_in_prompts_are_removed() -> None:
    article = clean_file("paywall_tail.txt")
    assert_absent(
        article.text,
        "Send in e-mail",
        "Click the alert icon",
        "subscriber comments",
        "From $1",
        "LOG IN",
    )


def test_teaser_tail_with_captions_is_removed() -> None:
    article = clean_file("paywall_tail.txt")
    assert_absent(
        article.text,
        "A ferry leaves the harbour at dawn.",
        "Why the Northern Ferry Routes",
        "Mayor Ilse Voronov",
        "Hikers on the coastal path.",
        "The Best Autumn Walks",
    )
    assert paragraphs(article)[-1] == (
        "The port operator, Sarrow Terminals, said the first ships would be unloaded on "
        "Wednesday and that it expected the backlog to be cleared within ten days."
    )


def test_capitals_dateline_with_dash_is_stripped_and_standfirst_kept() -> None:
    texts = paragraphs(clean_file("paywall_tail.txt"))
    assert texts[0] == (
        "The agreement raises pay by 6 percent over two years and restores the night-shift bonus."
    )
    assert texts[1].startswith("Dockworkers in Port Sarrow voted on Tuesday")
    assert "PORT SARROW —" not in "\n".join(texts)


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_links_reduce_to_their_text() -> None:
    article = clean_file("newsletter_blog.md")
    assert paragraphs(article)[0] == (
        "Passenger trains are running through the night on the Varna Valley line again, four "
        "years after the last sleeper service was withdrawn, the regional rail operator said "
        "on Tuesday."
    )
    assert "(see the fare table)." in article.text
    assert_absent(article.text, "](", "[", "https://", "example.com")


def test_markdown_markup_and_images_are_stripped() -> None:
    article = clean_file("newsletter_blog.md")
    assert "with two sleeper carriages and a seated coach" in article.text
    assert "will run three departures a week" in article.text
    assert (
        '"We expect the sleeper to be full most weekends," said operations manager Clara Fenn.'
    ) in paragraphs(article)
    assert_absent(article.text, "#", "**", "_three_", "> ", "A night train at Varna station")
    assert article.title == "Night trains return to the Varna Valley line"


def test_markdown_page_debris_is_removed() -> None:
    article = clean_file("newsletter_blog.md")
    assert_absent(
        article.text,
        "A sleeper carriage at Varna station",
        "Photo:",
        "By Jonas Whitfield",
        "Published on",
        "Sign up",
        "newsletter",
        "Share this",
        "Tweet",
        "Read more",
        "Rail fares to rise in January",
        "Station upgrades delayed again",
        "Subscribe",
        "Already a subscriber",
        "©",
        "All rights reserved",
    )


def test_list_items_after_a_colon_are_story_not_headlines() -> None:
    texts = paragraphs(clean_file("newsletter_blog.md"))
    for item in (
        "Friday departures from Varna at 11:40 p.m.",
        "Sunday returns from the coast at 10:15 p.m.",
        "a midweek train on Wednesdays from June",
    ):
        assert item in texts


# --- HTML --------------------------------------------------------------------------------


@pytest.mark.parametrize("use_trafilatura", [True, False], ids=["trafilatura", "lxml"])
def test_html_page_keeps_the_story_and_drops_the_chrome(use_trafilatura: bool) -> None:
    article = clean_file("live_page.html", use_trafilatura=use_trafilatura)
    texts = paragraphs(article)
    assert texts[0].startswith("A wildfire that had burned for four days in the hills above")
    assert (
        "Strong easterly winds pushed the flames across the ridge shortly after 2 p.m., a forestry "
        "official told Reuters, and by evening the fire was less than three kilometres from the "
        "first houses."
    ) in texts
    assert (
        "“Take your medicines and your documents, and go now,” district chief Oren Malvik told "
        "residents in a radio broadcast."
    ) in texts
    assert texts[-1].startswith("No injuries had been reported by Saturday night.")
    assert len(texts) == 5
    assert article.title == "Merrow evacuates as wildfire jumps Corran Ridge"
    assert_absent(
        article.text,
        "<",
        "MERROW, Dalland (AP)",
        "Skip to main content",
        "cookies",
        "Weather",
        "Share on Facebook",
        "Tweet",
        "AP Photo",
        "Smoke rises over Corran Ridge",
        "Advertisement",
        "Subscribe",
        "Related Coverage",
        "Dry summer leaves Dalland forests",
        "JavaScript",
        "Sign up",
        "©",
        "analytics",
    )


def test_html_main_text_comes_from_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    calls = []

    def fake_extract(html: str, **options: object) -> str:
        calls.append(options)
        return "Only the extractor knows this sentence about the Merrow ferry timetable."

    monkeypatch.setattr(trafilatura, "extract", fake_extract)
    article = clean_file("live_page.html")
    assert (
        article.text == "Only the extractor knows this sentence about the Merrow ferry timetable."
    )
    assert calls[0]["include_comments"] is False
    assert calls[0]["include_tables"] is False


def test_html_falls_back_to_lxml_when_trafilatura_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda html, **options: None)
    assert paragraphs(clean_file("live_page.html")) == paragraphs(
        clean_file("live_page.html", use_trafilatura=False)
    )
    assert len(paragraphs(clean_file("live_page.html"))) == 5


def test_html_is_recognised_by_its_content_whatever_the_file_name() -> None:
    html = (FIXTURES / "live_page.html").read_text()
    article = clean_text("\n  " + html, source="cluster.jsonl:3#1")
    assert article.title == "Merrow evacuates as wildfire jumps Corran Ridge"
    assert "<p>" not in article.text
    assert "No injuries had been reported by Saturday night." in article.text


def test_html_title_falls_back_to_h1_and_title_tag() -> None:
    head = "<html><head><title>Ferry back | Tolbeck Times</title></head><body>"
    body = "<p>Officials in Tolbeck said the ferry would run again on Monday after repairs.</p>"
    with_h1 = head + "<h1>Ferry back on Monday</h1>" + body + "</body></html>"
    only_title = head + body + "</body></html>"
    assert clean_text(with_h1, source="a.html").title == "Ferry back on Monday"
    assert clean_text(only_title, source="a.html").title == "Ferry back"


# --- Multi-News style text and the remaining kinds of debris ------------------------------

STORY = [
    "The council voted 7 to 2 on Monday to close the Brackenfield landfill by next summer.",
    "Residents had complained for years about the smell, said council member Tove Lindgren.",
    "Workers at the site will be offered jobs at the new recycling centre, the council said.",
]


def test_multi_news_style_document_keeps_exactly_the_story() -> None:
    debris_before = [
        "Photo",
        "By Erin Castell",
        "Published on May 20, 2024",
        "Advertisement Continue reading the main story",
    ]
    debris_middle = [
        "A truck unloads at the Brackenfield landfill on Monday. (AP Photo/Nora Quill)",
        "Image caption Residents held a protest outside the town hall in May",
        "Photo: Nora Quill",
        "Lars Vint/Getty Images",
        "Story Continued Below",
        "Share this",
        "Tweet",
        "Email",
        "Share on Facebook Share on Twitter",
        "We use cookies to improve your experience. By continuing to use this site you agree "
        "to our cookie policy.",
        "Please enable JavaScript to watch this video.",
        "Sign up for the Brackenfield Post newsletter",
    ]
    debris_after = [
        "Read more:",
        "Council race tightens in Brackenfield",
        "Landfill operators face new rules",
        "© 2024 Brackenfield Post",
        "All rights reserved.",
    ]
    text = " \n \n ".join(debris_before + STORY[:2] + debris_middle + STORY[2:] + debris_after)
    assert paragraphs(clean_text(text)) == STORY


def test_debris_goes_even_when_headline_lines_are_kept() -> None:
    debris = [
        "Send in e-mailSend in e-mail",
        "Share on Facebook Share on Twitter",
        "Tweet",
        "By Erin Castell",
        "Published on May 20, 2024",
        "[Council race tightens in Brackenfield]",
        "MORE: Landfill operators face new rules",
        "► Five charts on the town's waste",
        "(Reporting by Erin Castell; Editing by Tom Reyes)",
    ]
    text = "\n\n".join([STORY[0], *debris[:5], STORY[1], *debris[5:], STORY[2]])
    assert paragraphs(clean_text(text, drop_headline_lines=False)) == STORY


def test_embedded_posts_and_script_notices_are_dropped() -> None:
    # An embedded post is somebody's remark without the context a briefing needs, and its
    # signature line and picture link are page furniture.
    debris = [
        "The smell is back on Mill Lane tonight. — Tove Lindgren (@tovelindgren) May 19, 2024",
        "Crews on the landfill roof right now pic.twitter.com/Qx7LmP2a — Brackenfield Post "
        "(@brackpost) May 19, 2024",
        "Volunteers with masks at the gate. #MillLane pic.twitter.com/Zk81tTe",
        "— Erin Castell (@erincastell) May 20, 2024",
        "We've detected that JavaScript is disabled in your browser. Would you like to proceed "
        "to legacy Twitter?",
        "JavaScript appears to be disabled. Please update your browser to read this page.",
    ]
    text = "\n\n".join([STORY[0], *debris[:3], STORY[1], *debris[3:], STORY[2]])
    assert paragraphs(clean_text(text)) == STORY


def test_resource_lists_and_contact_lines_of_wire_copy_are_dropped() -> None:
    debris = [
        "Brackenfield Borough Council: http://www.brackenfield.example.gov",
        "U.S. Department of Landfill Safety: www.landfills.example.gov",
        "E-mail Tove Lindgren at tovel(at)brackpost.example.com.",
        "(Erin Castell covers the borough. She can be reached at 555-0142.)",
        "The news manager is Ole Berg, 555-0199, oberg@brackpost.example.com.",
    ]
    text = "\n\n".join([STORY[0], *debris[:2], STORY[1], *debris[2:], STORY[2]])
    assert paragraphs(clean_text(text)) == STORY


def test_story_that_gives_an_address_is_kept() -> None:
    story = [
        "Residents can report smells on the council's website, www.brackenfield.example.gov, "
        "or by phone, the mayor said.",
        "She told a packed meeting that 200 residents had complained about the smell since May. "
        "Complaints: "
        "www.brackenfield.example.gov",
    ]
    assert paragraphs(clean_text("\n\n".join(story))) == story


def test_a_sign_up_form_flattened_into_one_long_line_is_dropped() -> None:
    form = (
        "Newsletter Sign Up Continue reading the main story Please confirm you are a person by "
        "ticking the box. That email address looks wrong. Please type it again. Pick at least "
        "one newsletter to get. Sign Up By signing up you agree to receive offers from the "
        "Brackenfield Post and its partners. Thank you for subscribing. Something went wrong. "
        "Please try again later. See every Brackenfield Post newsletter."
    )
    assert len(form.split()) > 40  # too long for the one-prompt rules
    text = "\n\n".join([STORY[0], form, STORY[1]])
    assert paragraphs(clean_text(text)) == STORY[:2]


def test_a_story_about_newsletters_is_kept() -> None:
    story = [
        "The Brackenfield Post said its morning newsletter now reaches 40,000 readers, twice "
        "as many as a year ago. Readers who sign up for the newsletter get the council agenda "
        "a day early. The editor said the paper would start a second newsletter in June."
    ]
    assert paragraphs(clean_text("\n\n".join(story))) == story


def test_story_that_mentions_a_post_or_a_browser_is_kept() -> None:
    story = [
        "The mayor wrote on Twitter that the landfill would close in May, a post shared 900 times.",
        "The council's website did not work in older browsers, residents said at the meeting.",
    ]
    assert paragraphs(clean_text("\n\n".join(story))) == story


def test_story_paragraph_that_merely_contains_trigger_words_is_kept() -> None:
    story = [
        "Advertising revenue at the Brackenfield Post rose 4 percent, its owner told Reuters.",
        "Readers who sign up before June pay half price, the publisher said in a statement.",
        "The photo agency said it would appeal the ruling on its archive of 9,000 images.",
        "Heavy rain and poor drainage contributed.",
        "Register to vote by Friday, the electoral office urged.",
        "From $5 million in 2019, the budget grew to $9 million.",
        "“Follow me,” the guide told the hikers.",
        "Updated on Monday, the guidance says masks are optional.",
        "More on that later, the mayor said.",
        "Posted by a neighbour, the video has been viewed 2 million times since Tuesday.",
    ]
    assert paragraphs(clean_text("\n\n".join(story))) == story


def test_repeated_and_contained_paragraphs_are_dropped() -> None:
    standfirst = "The Brackenfield landfill will close by the end of next year."
    text = "\n\n".join(
        [
            standfirst,
            STORY[1],
            STORY[1],
            STORY[2],
            standfirst + " The vote followed years of complaints from residents nearby.",
        ]
    )
    assert paragraphs(clean_text(text)) == [STORY[1], STORY[2], text.split("\n\n")[-1]]


def test_subheadings_follow_drop_headline_lines() -> None:
    text = "\n\n".join(
        [
            "Brackenfield votes to close landfill",
            STORY[0],
            "A long fight",
            STORY[1],
            "Related",
            "Council race tightens in Brackenfield",
            STORY[2],
            "Landfill operators face new rules",
            "Five charts on the town's waste",
        ]
    )
    dropped = clean_text(text)
    assert paragraphs(dropped) == STORY
    kept = clean_text(text, drop_headline_lines=False)
    assert paragraphs(kept) == [STORY[0], "A long fight", STORY[1], STORY[2]]
    assert kept.title == dropped.title == "Brackenfield votes to close landfill"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("BRACKENFIELD (AP) -- Officials said the site would close.", "Officials said"),
        ("ALDER HILL, Norland (Reuters) - Officials said the site would close.", "Officials said"),
        ("Alder Hill, Norland (Meridian) — Officials said the site would close.", "Officials said"),
        ("NORTH BRACKENFIELD — Officials said the site would close.", "Officials said"),
        ("Alder Hill, Norland/Tolbeck: Officials said the site would close.", "Officials said"),
        # the underscore dash of 1990s AP and New York Times wire copy
        ("BRACKENFIELD _ Officials said the site would close.", "Officials said"),
        ("ALDER HILL, Nor. _ Officials said the site would close.", "Officials said"),
        ("TOLBECK, Norland (AP) _ Officials said the site would close.", "Officials said"),
        # a region in brackets, a date, a lower-case agency; a two-letter first word
        ("TOLBECK (NORLAND), April 30 (Meridian) -- Officials said it.", "Officials said"),
        ("TOLBECK, January 28 (meridian) -- Officials said the site would close.", "Officials"),
        ("LE TOLBECK, Norland — Officials said the site would close.", "Officials said"),
        ("US — Norland talks on the site resumed.", "US — Norland"),
        ("TOLBECK _ officials said the site would close.", "TOLBECK — officials"),
        ("The United Nations (UN) - which funds the site - said it would close.", "The United"),
        ("A manager told Reuters - off the record - that the site would close.", "A manager"),
    ],
)
def test_dateline_prefixes(line: str, expected: str) -> None:
    assert clean_text(line).text.startswith(expected)


def test_wire_copy_typography_is_printed_as_print_does() -> None:
    text = (
        "&QL; &UR; TOLBECK _ The council voted 5-2 _ after a long night _ to close the site.\n\n"
        "``We had no choice,'' the mayor said. &LR;\n\n&QC; &UR; -0-"
    )
    assert paragraphs(clean_text(text)) == [
        "The council voted 5-2 — after a long night — to close the site.",
        "“We had no choice,” the mayor said.",
    ]


def test_whitespace_and_unicode_are_normalised_but_quotes_untouched() -> None:
    text = "  Cafe\u0301 owners in Tolbeck\u00a0said   the “old” ferry was back.\u00ad  \n"
    assert clean_text(text).text == "Café owners in Tolbeck said the “old” ferry was back."


def test_one_word_paragraphs_follow_min_paragraph_words() -> None:
    text = "\n\n".join([STORY[0], "Yes.", STORY[1]])
    assert "Yes." not in paragraphs(clean_text(text))
    assert "Yes." in paragraphs(clean_text(text, min_paragraph_words=1))


def test_clean_returns_a_new_article_and_is_deterministic() -> None:
    path = FIXTURES / "paywall_tail.txt"
    original = Article(index=2, text=path.read_text(), source=str(path), date="2024-05-07")
    cleaner = BoilerplateCleaner()
    first, second = cleaner.clean(original), cleaner.clean(original)
    assert first == second
    assert first is not original and original.text == path.read_text()
    assert (first.index, first.source, first.date) == (2, str(path), "2024-05-07")


def test_an_article_of_nothing_but_debris_comes_back_empty() -> None:
    text = "skip to main content\n\nAdvertisement\n\nSign up for our newsletter\n\n© 2024 Post"
    assert clean_text(text).text == ""


def test_hydra_config_builds_the_cleaner_with_the_code_defaults() -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    config = OmegaConf.load(ROOT / "conf" / "cleaner" / "default.yaml")
    cleaner = instantiate(config)
    assert isinstance(cleaner, BoilerplateCleaner)
    defaults = {
        name: p.default
        for name, p in inspect.signature(BoilerplateCleaner.__init__).parameters.items()
        if name != "self"
    }
    assert {k: v for k, v in config.items() if k != "_target_"} == defaults


# --- bundled sample cluster -----------------------------------------------------------------

SAMPLE_MARKERS = (
    "skip to main content",
    "Skip to main content",
    "Sign up",
    "newsletter",
    "Send in e-mail",
    "Share on",
    "Share this",
    "Email",
    "Related Coverage",
    "Most Read",
    "Advertisement",
    "Credit",
    "Photo",
    "MERIDIAN/",
    "©",
    "All rights reserved",
    "cookie",
    "JavaScript",
    "Subscribe",
    "Log in",
    "Reporting by",
    "Published",
    "By Lena Marsh",
    "By Mirela Osei",
    "Timeline: sixty years",
    "Port traffic halted on the Tallis",
    "Council budget row deepens",
    "Vellmont rowers take silver",
    "Harvest festival draws record crowds",
    "Five things to watch in the markets",
    "Weekend weather",
    "http",
    "](",
    "#",
    "*",
)


def sample_files() -> list[Path]:
    return sorted(p for p in CLUSTER.iterdir() if p.is_file())


def story_paragraphs(path: Path) -> list[str]:
    """The author's story paragraphs: sentence paragraphs carrying no debris marker."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        from lxml import html

        tree = html.document_fromstring(raw)
        return [p.text_content() for p in tree.xpath("//div[@class='story-body']/p")]
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", raw)]
    return [
        block
        for block in blocks
        if count_words(block) >= 12
        and block.rstrip("”\"'’").endswith((".", "?", "!"))
        and not block.startswith(("*", "!", "#", "-"))
        and not any(marker in block for marker in ("Sign up", "Credit", "Photo", "©"))
    ]


def test_sample_is_one_cluster_of_four_outlets_in_three_formats() -> None:
    assert [p.name for p in SAMPLE.iterdir() if p.is_dir()] == [CLUSTER.name]
    files = sample_files()
    assert len(files) == 4
    assert sorted(p.suffix for p in files) == [".html", ".md", ".txt", ".txt"]
    for path in files:
        assert 300 <= sum(count_words(p) for p in story_paragraphs(path)) <= 600, path.name


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_sample_article_loses_its_debris_and_keeps_its_story(path: Path) -> None:
    article = Article(index=0, text=path.read_text(encoding="utf-8"), source=str(path))
    cleaned = BoilerplateCleaner().clean(article)
    assert cleaned.title
    for marker in SAMPLE_MARKERS:
        assert marker not in cleaned.text, f"{marker!r} survived in {path.name}"
    flat = " ".join(cleaned.text.split())
    story = story_paragraphs(path)
    kept = sum(count_words(p) for p in story if " ".join(_markdown_free(p).split()[-6:]) in flat)
    assert kept >= 0.8 * sum(count_words(p) for p in story)


def _markdown_free(text: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text).replace("**", "").replace("*", "")


def test_sample_titles_come_from_the_pages() -> None:
    titles = {
        path.name: BoilerplateCleaner()
        .clean(Article(index=0, text=path.read_text(encoding="utf-8"), source=str(path)))
        .title
        for path in sample_files()
    }
    assert titles == {
        "01_vellmont_courier.html": (
            "Three dead, two missing after Ostrey Street Bridge span plunges into the Tallis"
        ),
        "02_meridian_wire.txt": "Three dead as lift bridge span falls into river in Vellmont",
        "03_bayside_daily.txt": (
            "Ostrey bridge collapse: three killed, commuters face weeks of detours"
        ),
        "04_riverlands_radio.md": (
            "Ostrey Street Bridge had a failing repair grade for three years before collapse"
        ),
    }
