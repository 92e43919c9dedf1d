"""Stage 2b: embed sentences as unit-length vectors, so cosine similarity is a dot product.

The package, one job a module: ``model`` (``SentenceTransformerEmbedder``: the model, its
backends and the disk cache of vectors and exported models), ``onnx`` (export, quantization and
inference on ONNX Runtime), ``fingerprint`` (naming a model and a sentence's vector by content,
the cache's keys), ``student`` (``StudentEmbedder``: a 3-layer student of MiniLM shipped in
``models/``), ``static`` (``StaticEmbedder``) and ``tfidf`` (``TfidfEmbedder``).
"""

from summarize.stages.embed.model import BACKENDS, OFFLINE_MINILM, SentenceTransformerEmbedder
from summarize.stages.embed.tfidf import TfidfEmbedder

__all__ = ["BACKENDS", "OFFLINE_MINILM", "SentenceTransformerEmbedder", "TfidfEmbedder"]
