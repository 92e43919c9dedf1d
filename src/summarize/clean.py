"""Stage 1: strip web debris from scraped articles while keeping every story paragraph.

Scraped news pages carry navigation, captions with photo credits, share buttons, sign-up
prompts and lists of unrelated headlines. Left in, they end up as "sentences" of a briefing,
so they are removed here, line by line, with rules that lean towards keeping text: a line
that reads like a sentence stays unless it matches a known kind of debris.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from summarize.data import Article

__all__ = ["BoilerplateCleaner"]

# Paragraph kinds. STORY and LIST are kept; HEADLINE is kept only when headline lines are.
STORY, LIST, HEADLINE, BOILER, CAPTION, RELATED, TAIL = (
    "story",
    "list",
    "headline",
    "boiler",
    "caption",
    "related",
    "tail",
)

_FLAGS = re.IGNORECASE

# --- whitespace, unicode, markdown ---------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\n]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")

# Every pattern must take time linear in its input (an article can be one 1,000,000-character
# "word"): a repeated part never runs past the next delimiter it looks for ("[^\[\]]" rather
# than "[^\]]", "[^*]+?" rather than ".+?"), so no start position rescans the rest of the line.
# scripts/bench_clean.py checks this.
_MD_URL = r"\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _MD_URL)
_MD_LINK = re.compile(r"\[([^\[\]]+)\]" + _MD_URL)
_MD_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_STRONG = re.compile(
    r"\*\*(?=[^\s*_])([^*]+?)(?<=[^\s*_])\*\*|__(?=[^\s*_])([^_]+?)(?<=[^\s*_])__"
)
_MD_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])")
_MD_CODE = re.compile(r"`([^`]+)`")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_INLINE_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BULLET = re.compile(r"^(?:[-*+•▪◦·]|\d{1,2}[.)])\s+")

# --- datelines -----------------------------------------------------------------------------

# "ALEPPO, Syria (Reuters) - ", "Aleppo, Syria (AP) -- ", "WASHINGTON, Dec 9 (Reuters) - "
_DATELINE_AGENCY = re.compile(
    r"^(?:[A-Z][\w.'’-]*(?:[ ,/]+[\w.'’-]+){0,6}?\s*)?"
    r"\((?:[A-Z][\w.&'’ -]{0,30})\)\s*(?:--?|[–—]|:)\s*"
)
# "WASHINGTON — ", "BEIRUT, Lebanon -- "
_DATELINE_CAPS = re.compile(
    r"^[A-Z][A-Z.'’-]{2,}(?: [A-Z][A-Z.'’-]+){0,3}(?:,(?: [\w.'’]+){1,4})?\s+(?:--?|[–—])\s+"
    r"(?=[A-Z0-9“\"‘'])"
)
# "Aleppo, Syria/Beirut: "
_PLACE = r"[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,2}"
_DATELINE_COLON = re.compile(
    r"^" + _PLACE + r", " + _PLACE + r"(?:/" + _PLACE + r")?:\s+(?=[A-Z“\"])"
)

# --- captions and photo credits ------------------------------------------------------------

_AGENCIES = (
    r"(?:REUTERS|Reuters|AFP|AP|EPA|SANA|XINHUA|Xinhua|ANADOLU|KCNA|UPI|dpa|DPA|EFE|"
    r"ANSA|TASS|Getty(?: Images)?|Shutterstock|Alamy|Bloomberg)"
)
_CAPTION_PATTERNS = [
    # "(AP Photo/Jane Doe)", "(Reuters Photo/...)"
    re.compile(r"\((?:[A-Z][\w.]*\s+)?Photos?\s*/[^)]*\)"),
    # "(Photo: ...)" or "(Courtesy of ...)" closing a paragraph
    re.compile(
        r"\((?:(?:photo|photograph|image|picture|video|file photo)s?\s*(?::|by\b|courtesy\b|"
        r"credit\b)|credits?:|courtesy of\b)[^)]{0,100}\)\W*$",
        _FLAGS,
    ),
    # "... in an undated photo. (AP)", "(Getty Images)"
    re.compile(r"(?:^|[.!?”\"’]\s*)\((?:" + _AGENCIES + r"|File|Handout)(?:\s*/\s*[\w .]+)?\)\W*$"),
    # "Credit: SANA/Handout via Reuters", "2016.Credit: Jane Doe, AFP", "Credits: Reuters"
    re.compile(r"(?:^|[\s.,;:(”\"’])(?:Photo |Image )?(?:Credits?|CREDITS?)\s*:\s*\S.{0,100}$"),
    # "... December 9, 2016. REUTERS/Omar Sanadiki", "... Syria. Jane Doe/AFP"
    re.compile(
        r"(?:^|[.!?)”\"’]\s*)[A-Z]{2,}(?: [A-Z]{2,})*"
        r"(?:\s*/\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})+\W*$"
    ),
    re.compile(r"\s" + _AGENCIES + r"(?:\s*/\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})+\W*$"),
    re.compile(
        r"(?:^|[.!?]\s+)[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}\s*/\s*" + _AGENCIES + r"\W*$"
    ),
    re.compile(r"(?:/|\bvia\s|\bfor\s)\s*Getty(?: Images)?\W*$"),
    re.compile(r"\bGetty Images\W*$"),
    # "Photo: AFP", "Photo by ...", "Image: instagram/...", "Screenshot by ...", "Photos via ..."
    re.compile(
        r"^(?:\W*)(?:lead |top |main |file |thumbnail |header )?"
        r"(?:photo(?:graph)?|picture|image|screenshot|video|illustration|graphic)s?"
        r"\s*(?:by\b|:|courtesy\b|credit\b|via\b|copyright\b|caption\b)",
        _FLAGS,
    ),
    re.compile(r"^(?:\W*)(?:image copyright|image caption|media caption|enlarge image)\b", _FLAGS),
    re.compile(r"\bcourtesy of\s+[^.]{1,60}$", _FLAGS),
    re.compile(r"\bvia (?:" + _AGENCIES + r")\W*$"),
    # "... on Tuesday. Photo: Jane Doe/Daily Post", "Photograph: Jane Doe/Reuters"
    re.compile(
        r"(?:^|[.!?”\"]\s+)(?:Photo(?:graph)?|Picture|Image)s?(?:\s*:|\s+by\b)\s*[A-Z][^.]{0,80}$"
    ),
    # A video blurb: "CLOSE Police said ...", "... said Tuesday. 1:14"
    re.compile(r"^CLOSE\s+(?=[A-Z])|[.!?”\"]\s+\d{1,2}:\d{2}$"),
    # AP: "FILE - In this June 14, 2012 file photo, ..."
    re.compile(r"^\W*FILE\s*[-–—]|^\W*In this\b.{0,80}\b(?:photo|image|picture|frame grab)\b"),
]
# A line that is only credits separated by slashes: "Jane Doe / Daily Post / Getty".
_CREDIT_ONLY = re.compile(
    r"^[A-Z][\w.'’-]*(?:\s+[\w.'’&-]+){0,3}(?:\s*/\s*[A-Z][\w.'’-]*(?:\s+[\w.'’&-]+){0,3}){1,4}$"
)

# --- one-line debris -----------------------------------------------------------------------

_PROMPT_START = re.compile(
    r"^\W*(?:be sure to |please |click here to |don['’]t forget to )?(?:"
    r"skip (?:to|navigation)\b|jump to (?:main )?content|"
    r"sign (?:up|in)\b|subscribe\b|unsubscribe\b|already (?:a |an )?(?:subscriber|subscribed|"
    r"signed up|registered|member|have an account)|log ?(?:in|out)\b|"
    r"register (?:now|for free|here)\b|create (?:a |an |your )?(?:free )?account|"
    r"(?:get|receive) (?:our|the) [\w ]{0,40}newsletter|newsletters?\b|"
    r"(?:thanks|thank you) for (?:subscribing|signing up|registering)|"
    r"you must (?:log|sign) in|to continue reading|continue reading (?:below|the main story)|"
    r"start (?:your |a )?free trial|get unlimited access|unlock (?:this|unlimited)|"
    r"become a (?:member|subscriber|supporter)|support (?:our|independent|quality) journalism|"
    r"(?:this|the) (?:article|content|story) is (?:for|available to|only available to) "
    r"(?:subscribers|members)|(?:from|for (?:just|only)) \$[\d.,]+\s*(?:a|per|/|for the first)\s*"
    r"(?:month|week|year)|"
    r"enable javascript|javascript (?:is )?(?:disabled|required|must be enabled)|"
    r"your browser (?:does not|doesn['’]t|is not able to) support|"
    r"(?:disable|turn off|pause|whitelist) (?:your )?ad ?-?block|"
    r"we use cookies|(?:this|our) (?:site|website) uses cookies|accept (?:all )?cookies|"
    r"cookie (?:policy|settings|preferences|notice|consent)|manage (?:cookies|preferences|consent)|"
    r"by (?:continuing|using) (?:to (?:use|browse) )?(?:this|our) (?:site|website)|"
    r"click (?:here|the|to|for|on|below)\b|follow (?:us|me) (?:on|at)\b|follow @|"
    r"media playback is unsupported|tweet with a location|"
    r"you can add location information to your tweets|read or share this story|"
    r"this material may not be published|automatic approval of subscriber comments|"
    r"(?:leave|post|add|view|show|hide|load) (?:a |all |the )?comments?\b|"
    r"(?:\d+ )?comments? (?:are )?(?:closed|disabled)|"
    r"just watched\b|video (?:loading|unavailable)\b|photo gallery\b|embed\b.*\bcopy this code\b"
    r")",
    _FLAGS,
)
# Debris that also occurs mid-story, so it says nothing about where the story ends.
_AD = re.compile(
    r"^\W*(?:(?:advertisement|advertising|sponsored content|ad feedback)"
    r"(?:\W+(?:continue|story|scroll|article)\b.*)?\W*$|"
    r"story continue[sd] below|continue reading below)",
    _FLAGS,
)
# "Published on May 20, 2016", "posted at 10:01 pm on March 2, 2016 by Jane Doe"
_STAMP = re.compile(
    r"^\W*(?:first |last )?(?:published|updated|posted|modified)\b(?=.*\d)(?: on| at)?[\s:,]+"
    r"(?:\d|on\b|at\b|by\b|(?:mon|tue|wed|thu|fri|sat|sun)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    _FLAGS,
)
# Prompts that end up deeper in a line: "Get the day's news in your inbox - sign up free".
_PROMPT_ANYWHERE = re.compile(
    r"\b(?:sign up|subscribe)\b.{0,40}\bnewsletters?\b|\bnewsletters?\b.{0,30}\bsign up\b|"
    r"\bnewsletters?\b.{0,60}\b(?:in|to) your inbox\b|"
    r"\b(?:use|uses|using|accept|allow|enable)(?: the use of)? cookies\b|"
    r"\bcookies? (?:policy|settings|preferences|consent|notice)\b|"
    r"\bcookies to (?:improve|give|provide|personali[sz]e|ensure|enhance|analy[sz]e|offer)\b|"
    r"\balready (?:a subscriber|signed up|have an account)\b|\bskip to main content\b|"
    r"\b(?:thanks|thank you) for subscribing\b|\bdirectly to your inbox\b|"
    r"\breplay more videos\b|\bcopy this code to your (?:website|site|blog)\b|"
    r"\ba post shared by\b.{0,80}\bon\b.{0,40}\d{4}",
    _FLAGS,
)
_COPYRIGHT = re.compile(
    r"^\W*(?:©|\(c\)\s*\d{4}|copyright\s*(?:©\s*)?\d{4})|\ball rights reserved\b", _FLAGS
)
_BYLINE = re.compile(
    r"^\W*(?i:(?:/\s*)?(?:updated |written |posted |story |words |reported )?by)\s+(?:[A-Z@]|By\b)"
)
_CREDIT_LINE = re.compile(
    r"^\W*(?:\(?(?:additional )?(?:reporting|writing|editing|compiled|edited|produced) by\b|"
    r"with assistance from\b|contributing:)|"
    r"\bcontributed (?:to )?(?:this )?(?:report|reporting|story)\b|"
    r"^(?-i:(?:[A-Z][\w.'’-]+(?:\s+|,\s*|\s+and\s+))+)contributed\W*$",
    _FLAGS,
)
_FOLLOW = re.compile(
    r"^\W*follow\b.{0,80}\b(?:twitter|facebook|instagram|linkedin|bluesky|threads)\b|"
    r"^\W*follow\s+@\w+|^\W*(?:twitter|instagram|facebook|e-?mail)\s*:\s*\S+$",
    _FLAGS,
)
_ORIGINALLY = re.compile(
    r"^\W*this (?:article|story|post|piece) (?:was )?(?:originally|first) (?:published|appeared)\b",
    _FLAGS,
)
_SHARE_WORDS = re.compile(
    r"send (?:(?:in|by|via|as|to a friend)\s+)?e-?mail|e-?mail (?:this|to a friend|article|story)|"
    r"share(?:s)?(?: (?:this|on|via|to|the))?(?: (?:story|article|page|link|post))?|"
    r"tweet(?: this)?|pin(?: it)?|print(?: this)?(?: (?:article|page|story))?|"
    r"copy(?: the)? (?:link|url)|link copied|facebook|twitter|x\.com|linkedin|whatsapp|reddit|"
    r"pinterest|messenger|flipboard|telegram|tumblr|bluesky|threads|sms|e-?mail|"
    r"\d*\s*comments?|save(?: (?:article|story|for later))?|gift(?: this)? article|"
    r"play (?:video|facebook)|listen(?: to this (?:article|story))?|text size|a\+|a-|"
    r"photos?|videos?|images?|enlarge|view gallery|close|menu|search|loading\.*|play|watch|"
    r"now playing|advertisement|ad|\d+",
    _FLAGS,
)
_NO_WORDS = re.compile(r"^[\W\d_]*$")
# A domain starts where a run of domain characters starts, so a long run is scanned once.
_URL = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.-])[\w.-]+\.(?:com|org|net|ly|co|uk|gov)/\S*", _FLAGS
)
# An e-mail address is read per whitespace-separated token (see _strip_emails): the regex
# "\S+@\S+\.\w+" it replaces is cubic in the length of a token like "a@a@a@...".
_DOT_WORD = re.compile(r"\.\w+")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_ONLY = re.compile(
    r"^\W*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?(?:"
    + _MONTHS
    + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s*\d{4}|\d{1,2}\s+"
    + _MONTHS
    + r",?\s*\d{4}|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4})"
    r"(?:[\s,/|-]*(?:at\s*)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?\W*$",
    _FLAGS,
)

# --- related lists -------------------------------------------------------------------------

_RELATED_HEADING = re.compile(
    r"^\W*(?:"
    r"related(?: (?:coverage|content|stories|articles|posts|links|news|topics|reading|videos?|"
    r"galler(?:y|ies)|items|reports))?|"
    r"more (?:from|on|in|about|stories|news|coverage|headlines|top stories|videos?)\b.{0,50}|"
    r"most (?:read|popular|viewed|shared|e-?mailed|commented)(?: (?:stories|articles|now|today|"
    r"this week|on \w+))?|"
    r"trending(?: (?:now|stories|articles|today|topics|on \w+))?|"
    r"read more(?: (?:about|on|from|stories|news|at)\b.{0,60})?|read (?:next|this next)|"
    r"(?:you|we think you) (?:may|might|will|should) (?:also )?(?:like|enjoy|be interested in)|"
    r"(?:see|read) also|also (?:see|read|on [\w .]+)|recommended(?: (?:for you|stories|reading|"
    r"articles|videos?))?|(?:top|more|latest|other|popular) (?:stories|headlines|news)|"
    r"around the web|from (?:the|our) (?:web|partners)|sponsored(?: (?:stories|links))?|"
    r"promoted(?: (?:stories|content))?|editors?['’]? (?:picks?|choice)|what to read next|"
    r"further reading|don['’]t miss|in case you missed it|elsewhere on [\w .]+|"
    r"watch (?:more|next)|up next|next up|more videos?|"
    r"(?:also|online|tags?|topics|see more|more)\s*:"
    r")\W*$",
    _FLAGS,
)
# "MORE: Some headline", "(Also on POLITICO: Some headline)", "VIDEO: Some headline"
_TEASER_LABEL = re.compile(
    r"^\W*(?:read more|read|see also|also on [\w .]+|also|more(?: news)?|related|watch|videos?|"
    r"photos?|pics|gallery|(?:interactive )?map|bonus|story|explained|quiz|listen|podcast|"
    r"in (?:video|graphics|pictures|depth))\s*:\s*",
    _FLAGS,
)
_READ_MORE_END = re.compile(r"\bread more\W*$", _FLAGS)
# An embedded post ends with its signature line: "... — Jane Doe (@jdoe) July 5, 2017".
_TWEET = re.compile(
    r"[—–-]\s*[^—–]{0,80}\(@\w{1,30}\)\s*" + _MONTHS + r"\s+\d{1,2},?\s*\d{4}\W*(?:Report)?$",
    _FLAGS,
)

# Notices a page shows when its scripts did not run: "We've detected that JavaScript is
# disabled in your browser. Would you like to proceed to legacy Twitter?"
_BROWSER_NOTICE = re.compile(
    r"\bjavascript (?:is|has been|seems to be|appears to be) (?:disabled|turned off|not enabled|"
    r"switched off|not supported)\b|\bproceed to legacy twitter\b|"
    r"\b(?:update|upgrade) (?:your|to a (?:newer|modern|supported)) browser\b",
    _FLAGS,
)
# An embedded post's picture link: "... #iceclimb pic.twitter.com/AbC123"
_PIC_LINK = re.compile(r"\bpic\.twitter\.com/\w", _FLAGS)

_TERMINAL = ".!?:;"
_TEASER_BULLETS = ("►", "▶", "»")
_CLOSERS = "\"'”’»)]"


@dataclass
class _Para:
    text: str
    kind: str = STORY
    bullet: bool = False
    heading: bool = False
    marker: bool = False
    """A line after which the article often stops: prompts, related headings."""


class BoilerplateCleaner:
    """Removes web debris from one article at a time.

    Rules are per line and conservative: a line is dropped when it matches a kind of debris,
    or when it looks like a headline (short, no sentence ending) and ``drop_headline_lines``
    is set. Runs of teaser headlines after "Related"/"Read more" and at the article's end go
    as a block, because single lines of those lists can look like sentences.
    """

    def __init__(
        self,
        min_paragraph_words: int = 2,
        max_headline_words: int = 16,
        drop_headline_lines: bool = True,
        strip_datelines: bool = True,
        drop_duplicates: bool = True,
        use_trafilatura: bool = True,
        max_chars: int | None = 1_000_000,
    ) -> None:
        if max_chars is not None and max_chars <= 0:
            raise ValueError(f"cleaner.max_chars must be positive or null, got {max_chars}")
        self.min_paragraph_words = min_paragraph_words
        self.max_headline_words = max_headline_words
        self.drop_headline_lines = drop_headline_lines
        self.strip_datelines = strip_datelines
        self.drop_duplicates = drop_duplicates
        self.use_trafilatura = use_trafilatura
        self.max_chars = max_chars

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    # --- public API --------------------------------------------------------------------------

    def cap(self, article: Article) -> tuple[Article, bool]:
        """The article cut to ``max_chars`` (at a line or word break when one is near), and
        whether it was cut: bounds the time and memory one article can take downstream."""
        if self.max_chars is None or len(article.text) <= self.max_chars:
            return article, False
        text = article.text[: self.max_chars]
        floor = self.max_chars - min(self.max_chars // 10, 10_000)
        for separator in ("\n", " "):
            cut = text.rfind(separator, floor)
            if cut > 0:
                text = text[:cut]
                break
        return dataclasses.replace(article, text=text), True

    def clean(self, article: Article) -> Article:
        """Returns a new Article (dataclasses.replace) whose text is the story's paragraphs
        joined by "\\n\\n", with title set from the page/first headline line when
        article.title is None."""
        title = article.title
        if _is_html(article):
            text, page_title = self._html_text(article.text)
            paragraphs = _split_plain(_normalise(text))
            title = title or page_title
        else:
            markdown = article.source.lower().endswith((".md", ".markdown"))
            paragraphs = _split_markdown(article.text) if markdown else _split_text(article.text)
        kept, found_title = self._filter(paragraphs, title)
        return dataclasses.replace(
            article, text="\n\n".join(kept), title=title if title is not None else found_title
        )

    # --- HTML -----------------------------------------------------------------------------------

    def _html_text(self, html: str) -> tuple[str, str | None]:
        """Main text with one paragraph per line, and the page title."""
        text = _trafilatura_text(html) if self.use_trafilatura else ""
        fallback_text, title = _lxml_text(html, want_text=not text.strip())
        return (text if text.strip() else fallback_text), title

    # --- line filters ---------------------------------------------------------------------------

    def _filter(self, paragraphs: list[_Para], title: str | None) -> tuple[list[str], str | None]:
        if self.strip_datelines:
            for p in paragraphs:
                p.text = _strip_dateline(p.text)
        for p in paragraphs:
            self._classify(p)
        _mark_related_lists(paragraphs)
        _mark_doubled_captions(paragraphs)
        if self.drop_duplicates:
            _mark_duplicates(paragraphs)
        _mark_lists(paragraphs, self.max_headline_words)
        _mark_tail(paragraphs)

        found_title = None
        for p in paragraphs:
            if p.kind in (STORY, LIST):
                break
            if p.kind == HEADLINE:
                found_title = _strip_title(p.text)
                p.kind = BOILER
                break
        title_key = _key(title if title is not None else found_title or "")
        keep = {STORY, LIST} | ({HEADLINE} if not self.drop_headline_lines else set())
        kept = []
        for p in paragraphs:
            if p.kind not in keep or (title_key and _key(p.text) == title_key):
                continue
            if p.kind == STORY and len(p.text.split()) < self.min_paragraph_words:
                continue
            kept.append(p.text)
        return kept, found_title

    def _classify(self, p: _Para) -> None:
        text = p.text
        words = len(text.split())
        if not _HAS_LETTER.search(text) or _NO_WORDS.match(text):
            p.kind = BOILER
        elif _RELATED_HEADING.match(text) and not _ends_sentence(text.rstrip(":")):
            p.kind, p.marker = RELATED, True
        elif _is_caption(text, words):
            p.kind = CAPTION
        elif (
            (words <= 40 and (_PROMPT_START.match(text) or _PROMPT_ANYWHERE.search(text)))
            or (words <= 30 and (_COPYRIGHT.search(text) or _FOLLOW.search(text)))
            or (words <= 25 and _CREDIT_LINE.search(text))
        ):
            p.kind, p.marker = BOILER, True
        elif (
            _is_share_bar(text)
            or (words <= 20 and _AD.match(text))
            or (_STAMP.match(text) and (words <= 10 or (words <= 20 and not _ends_sentence(text))))
            or _DATE_ONLY.match(text)
            or (words <= 20 and _BYLINE.match(text) and not _ends_sentence(text))
            or (words <= 20 and _ORIGINALLY.match(text))
            or _is_link_only(text)
            or (words <= 40 and _BROWSER_NOTICE.search(text))
            or (words <= 80 and (_TWEET.search(text) or _PIC_LINK.search(text)))
        ):
            p.kind = BOILER
        elif _is_teaser(text) or (words <= 25 and _READ_MORE_END.search(text)):
            p.kind = RELATED
        elif p.heading or self._is_headline(text, words):
            p.kind = HEADLINE
        else:
            p.kind = STORY

    def _is_headline(self, text: str, words: int) -> bool:
        if words > self.max_headline_words:
            return False
        return not _ends_sentence(text) or _is_all_caps(text)


# --- paragraph splitting -------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text)


def _split_plain(text: str) -> list[_Para]:
    """One paragraph per non-empty line: what HTML extraction produces."""
    return [_Para(line.strip()) for line in text.split("\n") if line.strip()]


def _split_text(text: str) -> list[_Para]:
    """Lines are paragraphs (scrapes put one per line, often without blank lines), except a
    line that starts in lower case after one that did not end a sentence, which is a wrap."""
    paragraphs: list[_Para] = []
    wraps: list[list[str]] = []  # continuation lines, joined once at the end (linear time)
    previous_blank = True
    for raw in _normalise(text).split("\n"):
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        para = _block_line(line)
        if (
            paragraphs
            and not previous_blank
            and para.text[:1].islower()
            and not para.bullet
            and (wraps[-1] or [paragraphs[-1].text])[-1][-1:].isalnum()
        ):
            wraps[-1].append(para.text)
        elif para.text:
            paragraphs.append(para)
            wraps.append([])
        previous_blank = False
    return _inline_all(_join_wraps(paragraphs, wraps), markdown=False)


def _split_markdown(text: str) -> list[_Para]:
    """Markdown paragraphs are blank-line separated blocks whose lines are soft wraps."""
    paragraphs: list[_Para] = []
    wraps: list[list[str]] = []
    block_open = False
    for raw in _normalise(text).split("\n"):
        line = raw.strip()
        if not line:
            block_open = False
            continue
        if _MD_SETEXT.match(line) and block_open and paragraphs:
            paragraphs[-1].heading = True
            block_open = False
            continue
        para = _block_line(line)
        if not para.text:
            block_open = False
            continue
        if block_open and not (para.bullet or para.heading or paragraphs[-1].heading):
            wraps[-1].append(para.text)
        else:
            paragraphs.append(para)
            wraps.append([])
        block_open = not para.heading
    return _inline_all(_join_wraps(paragraphs, wraps), markdown=True)


def _join_wraps(paragraphs: list[_Para], wraps: list[list[str]]) -> list[_Para]:
    for paragraph, lines in zip(paragraphs, wraps, strict=True):
        if lines:
            paragraph.text = " ".join([paragraph.text, *lines])
    return paragraphs


def _block_line(line: str) -> _Para:
    """One line without its block markup: heading hashes, quote marks, list bullets, rules."""
    if _MD_RULE.match(line) or _MD_REF_DEF.match(line):
        return _Para("")
    heading = False
    match = _MD_HEADING.match(line)
    if match:
        line, heading = match.group(2), True
    line = _MD_QUOTE.sub("", line)
    bullet = bool(_BULLET.match(line))
    return _Para(_BULLET.sub("", line), bullet=bullet, heading=heading)


def _inline_all(paragraphs: list[_Para], markdown: bool) -> list[_Para]:
    for p in paragraphs:
        p.text = _inline(p.text, markdown)
    return [p for p in paragraphs if p.text]


def _inline(text: str, markdown: bool) -> str:
    """Inline markup to plain text; in scraped plain text only the unambiguous constructs,
    since a backtick or a lone asterisk there is more likely text ("`good foods'", "f***")."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(lambda match: match.group(1) or match.group(2), text)
    if markdown:
        text = _MD_CODE.sub(r"\1", text)
        text = _INLINE_TAG.sub("", text)
        text = _MD_EM_STAR.sub(r"\1", text)
        text = _MD_EM_UNDER.sub(r"\1", text)
        text = _MD_ESCAPE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


# --- HTML extraction -------------------------------------------------------------------------

_HTML_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "form",
    "button",
    "iframe",
    "svg",
    "select",
)
_HTML_BLOCKS = (
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dd",
    "dt",
    "address",
    "br",
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TITLE_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


def _is_html(article: Article) -> bool:
    if article.source.lower().endswith((".html", ".htm")):
        return True
    head = article.text.lstrip()[:20].lower()
    return head.startswith(("<!doctype", "<html"))


def _trafilatura_text(html: str) -> str:
    """Main text only: its metadata extraction costs seconds on first use (date parsing),
    and the title is easy to read from the page itself."""
    import trafilatura

    result = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
    )
    return result or ""


def _lxml_text(html: str, want_text: bool) -> tuple[str, str | None]:
    """Block-aware text of the page without its chrome; also the title from <h1>/<title>."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        # Parse the decoded text, not bytes: a stale <meta charset> must not re-decode it.
        tree = lxml_html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return "", None
    title = None
    for candidate in (
        tree.xpath('string(//meta[@property="og:title"]/@content)'),
        tree.xpath("string((//h1)[1])"),
        _TITLE_SITE_SUFFIX.sub("", tree.xpath("string(//title)").strip()),
    ):
        candidate = " ".join(str(candidate).split())
        if candidate:
            title = candidate
            break
    if not want_text:
        return "", title
    for element in tree.xpath("|".join(f"//{tag}" for tag in _HTML_DROP)):
        element.drop_tree()
    for element in tree.iter(*_HTML_BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    body = tree.find("body")
    return (body if body is not None else tree).text_content(), title


# --- line tests ------------------------------------------------------------------------------


def _strip_dateline(text: str) -> str:
    for rx in (_DATELINE_AGENCY, _DATELINE_CAPS, _DATELINE_COLON):
        match = rx.match(text)
        if match:
            head = text[: match.end()]
            if rx is _DATELINE_AGENCY and not (
                _first_word_caps(head) or "," in head or head[0] == "("
            ):
                continue
            return text[match.end() :]
    return text


def _is_caption(text: str, words: int) -> bool:
    if words <= 80 and any(rx.search(text) for rx in _CAPTION_PATTERNS):
        return True
    return words <= 10 and bool(_CREDIT_ONLY.match(text))


def _first_word_caps(text: str) -> bool:
    first = text.split()[0] if text.split() else ""
    letters = [c for c in first if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    if stripped.endswith(("...", "…")):
        return not _is_teaser_cut(stripped)
    if stripped.endswith(("--", "—", "–")):
        return True
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_teaser_cut(text: str) -> bool:
    """A headline cut short by the site ("Seven Things To Know About The...") rather than
    a sentence trailing off in a quote: short, or mostly capitalised words."""
    words = text.split()
    if len(words) <= 6:
        return True
    capitalised = sum(w[:1].isupper() for w in words if w[:1].isalpha())
    return capitalised >= 0.6 * len(words)


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _is_share_bar(text: str) -> bool:
    return len(text.split()) <= 20 and not _HAS_LETTER.search(_SHARE_WORDS.sub("", text))


def _is_link_only(text: str) -> bool:
    without_emails = _strip_emails(text)
    if not (_URL.search(text) or without_emails != text.split()):
        return False
    return len(_strip_emails(_URL.sub("", text))) <= 3


def _strip_emails(text: str) -> list[str]:
    """The words of ``text`` with each e-mail address removed, in linear time: in a token, the
    address runs from its start to the end of the last ".word" at least two characters after
    its first "@" (which cannot be its first character); what follows stays."""
    words = []
    for token in text.split():
        at = token.find("@", 1)
        last = None
        if at > 0:
            for last in _DOT_WORD.finditer(token, at + 2):  # noqa: B007 - keeps the last one
                pass
        rest = token[last.end() :] if last is not None else token
        if rest:
            words.append(rest)
    return words


def _is_teaser(text: str) -> bool:
    """Inline pointers to other stories: "[Some headline]", "(PHOTOS: ...)", "MORE: ..."."""
    words = len(text.split())
    if words > 30:
        return False
    if (text[0] == "[" and text[-1] == "]") or text.startswith(_TEASER_BULLETS):
        return True
    match = _TEASER_LABEL.match(text)
    if match:
        rest = text[match.end() :]
        return bool(rest) and (text[0] == "(" or _teaser_like(rest))
    return False


def _teaser_like(text: str) -> bool:
    words = len(text.split())
    if words > 30:
        return False
    if not _ends_sentence(text) or text.startswith(_TEASER_BULLETS):
        return True
    return words <= 15 and text.rstrip(_CLOSERS).endswith("?")


def _strip_title(text: str) -> str:
    return text.strip().rstrip(":").strip()


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


# --- whole-article passes ----------------------------------------------------------------------


def _mark_related_lists(paragraphs: list[_Para]) -> None:
    """A "Related" heading takes the teaser headlines right after it."""
    in_list = False
    for p in paragraphs:
        if p.kind == RELATED and p.marker:
            in_list = True
        elif in_list and p.kind in (BOILER, CAPTION):
            continue
        elif in_list and (p.kind in (HEADLINE, RELATED) or _teaser_like(p.text)):
            p.kind = RELATED
        else:
            in_list = False


def _mark_doubled_captions(paragraphs: list[_Para]) -> None:
    """Captions are often printed twice, once without the credit: drop the bare copy too."""
    for i, p in enumerate(paragraphs):
        if p.kind != CAPTION:
            continue
        for j in (i - 1, i + 1):
            if (
                0 <= j < len(paragraphs)
                and paragraphs[j].kind in (STORY, HEADLINE)
                and _similar(p.text, paragraphs[j].text)
            ):
                paragraphs[j].kind = CAPTION


def _similar(a: str, b: str) -> bool:
    wa, wb = _key(a).split(), _key(b).split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) < 4:
        return False
    prefix = 0
    for x, y in zip(short, long, strict=False):
        if x != y:
            break
        prefix += 1
    if prefix >= 0.8 * len(short):
        return True
    sa, sb = set(wa), set(wb)
    return len(sa & sb) >= 0.8 * len(sa | sb)


def _mark_duplicates(paragraphs: list[_Para]) -> None:
    """Repeats add nothing: drop a paragraph equal to the one before it, or (when long enough
    to be unambiguous) equal to or contained in another kept paragraph."""
    kept: list[_Para] = []
    previous = None
    for p in paragraphs:
        if p.kind not in (STORY, HEADLINE):
            continue
        key = _key(p.text)
        if previous is not None and key == previous:
            p.kind = BOILER
            continue
        previous = key
        kept.append(p)
    if len(kept) > 400:
        return
    keys = [_key(p.text) for p in kept]
    for i, p in enumerate(kept):
        if p.kind != STORY or len(keys[i].split()) < 8:
            continue
        for j, other in enumerate(keys):
            if j == i or kept[j].kind != STORY or keys[i] not in other:
                continue
            if len(other) > len(keys[i]) or j < i:
                p.kind = BOILER
                break


def _mark_lists(paragraphs: list[_Para], max_words: int) -> None:
    """Short unpunctuated lines after "... included:" are list items, not headlines."""
    in_list = False
    for p in paragraphs:
        if p.kind == STORY and p.text.endswith(":"):
            in_list = True
            continue
        if (
            in_list
            and p.kind == HEADLINE
            and not p.heading
            and len(p.text.split()) <= 2 * max_words
        ):
            p.kind = LIST
        elif in_list and p.kind == STORY and p.bullet:
            continue
        else:
            in_list = False


# A page has a handful of prompts and "Related" headings; one made of thousands is hostile.
_MAX_TAIL_MARKERS = 20


def _mark_tail(paragraphs: list[_Para]) -> None:
    """The end of a page is often a block of teasers for other stories, sometimes each with a
    short picture caption, opened by a sign-up prompt or a "Read more" heading."""
    story_words = [len(p.text.split()) if p.kind == STORY else 0 for p in paragraphs]
    total, before, tried = sum(story_words), 0, 0
    for start, p in enumerate(paragraphs):
        before += story_words[start]
        if not p.marker or before < total - before:
            continue
        tried += 1
        if tried > _MAX_TAIL_MARKERS:  # each try reads the rest of the page: keep it linear
            break
        if _is_teaser_tail(paragraphs[start + 1 :], related=p.kind == RELATED):
            for q in paragraphs[start:]:
                if q.kind in (STORY, HEADLINE, RELATED, LIST):
                    q.kind = TAIL
            return
    run, headlines = [], 0
    for p in reversed(paragraphs):
        if p.kind in (HEADLINE, RELATED, BOILER, CAPTION):
            run.append(p)
            headlines += p.kind in (HEADLINE, RELATED)
        else:
            break
    if headlines >= 2:
        for p in run:
            p.kind = TAIL if p.kind == HEADLINE else p.kind


def _is_teaser_tail(rest: list[_Para], related: bool) -> bool:
    """Whether what follows a marker is only teasers: headlines, optionally each after a short
    picture caption (a regular caption/headline pattern, so one short story paragraph between
    two headlines does not qualify)."""
    lines = [p for p in rest if p.kind not in (BOILER, CAPTION)]
    if not lines:
        return False
    teasers = captions = 0
    for i, p in enumerate(lines):
        if p.kind in (HEADLINE, RELATED) or _teaser_like(p.text):
            teasers += 1
            continue
        if len(p.text.split()) > 40:
            return False
        if i == len(lines) - 1:
            continue
        following = lines[i + 1]
        if not (following.kind in (HEADLINE, RELATED) or _teaser_like(following.text)):
            return False
        if not (related and i == 0):
            captions += 1
    if captions == 1 or (captions and teasers > captions + 1):
        return False
    if related:
        return teasers >= 1 or len(lines) <= 2
    return teasers >= 2 and teasers >= 0.4 * len(lines)
