"""Stage 6 (optional): rewrite the extractive selection into one fluent briefing, guarded.

A generative model turns the selected sentences into connected prose; the fact guard then
checks every sentence it wrote against the cluster's articles, and a sentence that fails is
dropped or replaced by the extractive sentence it came from. Whenever the rewrite cannot be
trusted (no model, a model that fails, a guard that rejects everything) the extractive
briefing is returned unchanged, with the reason recorded: a batch never fails because of it.

The package, one job a module: ``base`` (the ``Rewriter`` protocol, ``NoRewriter``),
``mapreduce`` (``GuardedRewriter``: chunking, map and reduce), ``reply`` (reading what a model
wrote), ``assemble`` (guard checks, replacement, budget), and one module per backend:
``transformers_backend`` and ``llama_cpp_backend``.
"""

from summarize.stages.rewrite.base import Encoder, Model, NoRewriter, RewriteError, Rewriter
from summarize.stages.rewrite.llama_cpp_backend import LlamaCppRewriter
from summarize.stages.rewrite.mapreduce import ON_REJECT, GuardedRewriter
from summarize.stages.rewrite.transformers_backend import TransformersRewriter

__all__ = [
    "ON_REJECT",
    "Encoder",
    "GuardedRewriter",
    "LlamaCppRewriter",
    "Model",
    "NoRewriter",
    "RewriteError",
    "Rewriter",
    "TransformersRewriter",
]
