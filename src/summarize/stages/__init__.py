"""The pipeline's stages, in the order a cluster meets them (``pipeline.Summarizer``).

``ingest`` reads clusters; ``clean`` strips web debris; ``split`` cuts sentences; ``embed``
turns them into vectors; ``copies`` finds republished articles; ``dedup`` merges what several
outlets repeat; ``update`` keeps what is new to a reader who read before; ``focus`` favours
what a query asks; ``select`` chooses within the word budget; ``order`` arranges for reading;
``rewrite`` optionally rewrites with a language model. ``features`` holds the text features
several stages share. Each stage is a small picklable object configured by its config group.
"""
