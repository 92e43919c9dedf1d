"""Stage 1: strip web debris from scraped articles while keeping every story paragraph.

Scraped news pages carry navigation, captions with photo credits, share buttons, sign-up
prompts and lists of unrelated headlines. Left in, they end up as "sentences" of a briefing,
so they are removed here, line by line, with rules that lean towards keeping text: a line
that reads like a sentence stays unless it matches a known kind of debris.

The package, one job a module: ``html`` (page to text and title), ``paragraphs`` (text to
``Paragraph`` records, the ``Kind`` a paragraph can be), ``patterns`` (what debris looks like),
``lines`` (tests on one line), ``classify`` (the rule table: each paragraph's kind from its own
text), ``page`` (passes that revise kinds by their neighbours) and ``cleaner`` (the stage,
``BoilerplateCleaner``).
"""

from summarize.stages.clean.cleaner import BoilerplateCleaner

__all__ = ["BoilerplateCleaner"]
