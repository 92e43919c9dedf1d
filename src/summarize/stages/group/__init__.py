"""Stage ``group``: a night's loose articles into stories, and stories followed across nights.

One job a module: ``stories`` (the plain data: ``LooseArticle``, ``Story``, ids and titles),
``features`` (an article's TF-IDF, names and neural views), ``neighbours`` (the HNSW nearest
neighbour graph), ``pairs`` (the learned pair score and its shipped model), ``clustering``
(average link and components on a sparse graph), ``split`` (the story-level check),
``grouper`` (the stage, ``StoryGrouper``), ``linking`` (``StoryLinker``, ``StoryRecord``: night
to night) and ``metrics`` (pair and BCubed scores against gold stories).
"""

from summarize.stages.group.grouper import StoryGrouper
from summarize.stages.group.linking import EarlierStory, Linking, StoryLinker, StoryRecord
from summarize.stages.group.metrics import bcubed_scores, grouping_scores, pair_scores
from summarize.stages.group.stories import LooseArticle, Story, digest, story_id

__all__ = [
    "EarlierStory",
    "Linking",
    "LooseArticle",
    "Story",
    "StoryGrouper",
    "StoryLinker",
    "StoryRecord",
    "bcubed_scores",
    "digest",
    "grouping_scores",
    "pair_scores",
    "story_id",
]
