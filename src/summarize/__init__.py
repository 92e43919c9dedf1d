"""summarize: one briefing from a cluster of overlapping news articles."""

from summarize.data import Article, Briefing, BriefingSentence, Cluster, Sentence

__all__ = ["Article", "Briefing", "BriefingSentence", "Cluster", "Sentence"]
__version__ = "0.1.0"
