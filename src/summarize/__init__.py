"""summarize: one briefing from a cluster of overlapping news articles."""

from summarize.data import Article, Briefing, BriefingSentence, Cluster, Sentence
from summarize.output.safe_text import protect_logger

protect_logger("summarize")  # ids and titles from the input reach log lines

__all__ = ["Article", "Briefing", "BriefingSentence", "Cluster", "Sentence"]
__version__ = "0.1.0"
