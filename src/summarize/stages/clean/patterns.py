r"""What web debris looks like: the pattern tables the line rules (``classify``) test against.

Datelines, captions and photo credits, sign-up and cookie prompts, bylines, share bars, dates,
"Related" headings and teaser labels, embedded posts. Each is a compiled regular expression;
which kind of paragraph a match makes, and under what word limit, is decided in ``classify``.

Every pattern must take time linear in its input (an article can be one 1,000,000-character
"word"): a repeated part never runs past the next delimiter it looks for ("[^\[\]]" rather
than "[^\]]", "[^*]+?" rather than ".+?"), so no start position rescans the rest of the line.
scripts/bench_clean.py checks this.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE

HAS_LETTER = re.compile(r"[^\W\d_]")
NO_WORDS = re.compile(r"^[\W\d_]*$")

# --- datelines -----------------------------------------------------------------------------

# The dash after a dateline: "-", "--", en or em dash (wire copy's "PHOENIX _ " is an em dash
# by now: ``paragraphs.wire_typography``).
_DASH = r"(?:--?|[–—])"
# "ALEPPO, Syria (Reuters) - ", "Aleppo, Syria (AP) -- ", "WASHINGTON, Dec 9 (Reuters) - ",
# "EILAT (ISRAEL), April 30 (Xinhua) -- ", "HANOI, January 28 (xinhua) -- "
DATELINE_AGENCY = re.compile(
    r"^(?:[A-Z][\w.'’()-]*(?:[ ,/]+[\w.'’()-]+){0,6}?\s*)?"
    r"\((?:[A-Za-z][\w.&'’ -]{0,30})\)\s*(?:" + _DASH + r"|:)\s*"
)
# "WASHINGTON — ", "BEIRUT, Lebanon -- ", "LE BOURGET, France — ", "NEAH BAY, Wash. — "
DATELINE_CAPS = re.compile(
    r"^(?=[A-Z][A-Z.'’-]{2}|[A-Z][A-Z.'’-]* [A-Z]{2})"  # "LE BOURGET" but not "US"
    r"[A-Z][A-Z.'’-]*(?: [A-Z][A-Z.'’-]+){0,3}(?:,(?: [\w.'’]+){1,4})?"
    r"\s+" + _DASH + r"\s+(?=[A-Z0-9“\"‘'])"
)
# "Aleppo, Syria/Beirut: "
_PLACE = r"[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,2}"
DATELINE_COLON = re.compile(
    r"^" + _PLACE + r", " + _PLACE + r"(?:/" + _PLACE + r")?:\s+(?=[A-Z“\"])"
)

# --- captions and photo credits ------------------------------------------------------------

_AGENCIES = (
    r"(?:REUTERS|Reuters|AFP|AP|EPA|SANA|XINHUA|Xinhua|ANADOLU|KCNA|UPI|dpa|DPA|EFE|"
    r"ANSA|TASS|Getty(?: Images)?|Shutterstock|Alamy|Bloomberg)"
)
CAPTION_PATTERNS = [
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
CREDIT_ONLY = re.compile(
    r"^[A-Z][\w.'’-]*(?:\s+[\w.'’&-]+){0,3}(?:\s*/\s*[A-Z][\w.'’-]*(?:\s+[\w.'’&-]+){0,3}){1,4}$"
)

# --- one-line debris -----------------------------------------------------------------------

PROMPT_START = re.compile(
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
AD = re.compile(
    r"^\W*(?:(?:advertisement|advertising|sponsored content|ad feedback)"
    r"(?:\W+(?:continue|story|scroll|article)\b.*)?\W*$|"
    r"story continue[sd] below|continue reading below)",
    _FLAGS,
)
# "Published on May 20, 2016", "posted at 10:01 pm on March 2, 2016 by Jane Doe"
STAMP = re.compile(
    r"^\W*(?:first |last )?(?:published|updated|posted|modified)\b(?=.*\d)(?: on| at)?[\s:,]+"
    r"(?:\d|on\b|at\b|by\b|(?:mon|tue|wed|thu|fri|sat|sun)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    _FLAGS,
)
# Prompts that end up deeper in a line: "Get the day's news in your inbox - sign up free".
PROMPT_ANYWHERE = re.compile(
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
COPYRIGHT = re.compile(
    r"^\W*(?:©|\(c\)\s*\d{4}|copyright\s*(?:©\s*)?\d{4})|\ball rights reserved\b", _FLAGS
)
BYLINE = re.compile(
    r"^\W*(?i:(?:/\s*)?(?:updated |written |posted |story |words |reported )?by)\s+(?:[A-Z@]|By\b)"
)
CREDIT_LINE = re.compile(
    r"^\W*(?:\(?(?:additional )?(?:reporting|writing|editing|compiled|edited|produced) by\b|"
    r"with assistance from\b|contributing:)|"
    r"\bcontributed (?:to )?(?:this )?(?:report|reporting|story)\b|"
    r"^(?-i:(?:[A-Z][\w.'’-]+(?:\s+|,\s*|\s+and\s+))+)contributed\W*$",
    _FLAGS,
)
FOLLOW = re.compile(
    r"^\W*follow\b.{0,80}\b(?:twitter|facebook|instagram|linkedin|bluesky|threads)\b|"
    r"^\W*follow\s+@\w+|^\W*(?:twitter|instagram|facebook|e-?mail)\s*:\s*\S+$",
    _FLAGS,
)
ORIGINALLY = re.compile(
    r"^\W*this (?:article|story|post|piece) (?:was )?(?:originally|first) (?:published|appeared)\b",
    _FLAGS,
)
SHARE_WORDS = re.compile(
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
# A domain starts where a run of domain characters starts, so a long run is scanned once.
URL = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.-])[\w.-]+\.(?:com|org|net|ly|co|uk|gov)/\S*", _FLAGS
)
# How to reach the writer: "bray(at)globe.com", "He can be reached at ...", "E-mail Jane at"
CONTACT = re.compile(
    r"\w\s?\((?:at|AT)\)\s?\w|\bcan be reached\b|^\W*e-?mail (?:him|her|them|us|\w+ \w+ at)\b",
    _FLAGS,
)
# An e-mail address is read per whitespace-separated token (_strip_emails in lines.py): the
# regex "\S+@\S+\.\w+" it replaces is cubic in the length of a token like "a@a@a@...".
DOT_WORD = re.compile(r"\.\w+")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE_ONLY = re.compile(
    r"^\W*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?(?:"
    + _MONTHS
    + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s*\d{4}|\d{1,2}\s+"
    + _MONTHS
    + r",?\s*\d{4}|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4})"
    r"(?:[\s,/|-]*(?:at\s*)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?\W*$",
    _FLAGS,
)

# --- related lists -------------------------------------------------------------------------

RELATED_HEADING = re.compile(
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
TEASER_LABEL = re.compile(
    r"^\W*(?:read more|read|see also|also on [\w .]+|also|more(?: news)?|related|watch|videos?|"
    r"photos?|pics|gallery|(?:interactive )?map|bonus|story|explained|quiz|listen|podcast|"
    r"in (?:video|graphics|pictures|depth))\s*:\s*",
    _FLAGS,
)
READ_MORE_END = re.compile(r"\bread more\W*$", _FLAGS)
# An embedded post ends with its signature line: "... — Jane Doe (@jdoe) July 5, 2017".
TWEET = re.compile(
    r"[—–-]\s*[^—–]{0,80}\(@\w{1,30}\)\s*" + _MONTHS + r"\s+\d{1,2},?\s*\d{4}\W*(?:Report)?$",
    _FLAGS,
)

# Notices a page shows when its scripts did not run: "We've detected that JavaScript is
# disabled in your browser. Would you like to proceed to legacy Twitter?"
BROWSER_NOTICE = re.compile(
    r"\bjavascript (?:is|has been|seems to be|appears to be) (?:disabled|turned off|not enabled|"
    r"switched off|not supported)\b|\bproceed to legacy twitter\b|"
    r"\b(?:update|upgrade) (?:your|to a (?:newer|modern|supported)) browser\b",
    _FLAGS,
)
# An embedded post's picture link: "... #iceclimb pic.twitter.com/AbC123"
PIC_LINK = re.compile(r"\bpic\.twitter\.com/\w", _FLAGS)
