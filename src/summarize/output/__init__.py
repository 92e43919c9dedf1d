"""Presentation of a run's results: ``render`` (a briefing as JSON line, Markdown and HTML),
``index`` (the run's front page), ``evaluate`` (ROUGE against references) and ``safe_text``
(text from the input made safe to print and to embed in Markdown)."""

FORMATS = ("jsonl", "markdown", "html")
"""What a run can write for each briefing (``output.formats``); all of them by default."""
