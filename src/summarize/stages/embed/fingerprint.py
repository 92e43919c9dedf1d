"""Names for what the embedding cache stores, derived from content rather than from a name.

A model is named by its weights, tokenizer, modules, backend and the versions of the libraries
that run it, so a retrained model or an upgraded library never answers from another's cache;
a sentence's vector is named by that and the sentence.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata


def model_fingerprint(model, backend: str) -> str:
    """The sentence-transformers ``model`` as run by ``backend``, by content."""
    import torch

    digest = hashlib.sha256()
    for package in ("sentence-transformers", "transformers", "torch", "onnxruntime"):
        try:
            digest.update(f"{package}={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none;".encode())
    digest.update(f"backend={backend};".encode())
    digest.update(repr(model).encode())  # modules, pooling mode, max length, normalisation
    tokenizer = model.tokenizer
    backend_tokenizer = getattr(tokenizer, "backend_tokenizer", None)
    if backend_tokenizer is not None:
        digest.update(backend_tokenizer.to_str().encode())
    else:
        digest.update(json.dumps(sorted(tokenizer.get_vocab().items())).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        data = tensor.detach().to("cpu").contiguous()
        if data.dtype == torch.bfloat16:
            data = data.float()
        digest.update(data.numpy().tobytes())
    return digest.hexdigest()


def sentence_key(model_key: str, one_by_one: bool, text: str) -> str:
    """A sentence's vector from the model named ``model_key``; ``one_by_one`` since batching
    moves a vector's last bits."""
    digest = hashlib.sha256(b"sentence-vector-v1\0")
    digest.update(model_key.encode())
    digest.update(b"one-by-one\0" if one_by_one else b"batched\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
