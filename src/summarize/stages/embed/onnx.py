"""Running a sentence-transformers model's transformer on ONNX Runtime.

The first module (the transformer) is exported to an ONNX graph, optionally with its weights
quantized to 8 bits, and run by ONNX Runtime; pooling and normalisation still run the model's
own sentence-transformers modules, so the vectors are those of the model.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def inference_session(onnx_bytes: bytes):
    """An ONNX Runtime session on the CPU for the exported graph."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread per batch and batches side by side: faster on small inputs than splitting
    # each batch across threads, and a batch's result never depends on how many threads
    # there are.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def transformer_inputs(model) -> list[str]:
    """The tokenizer outputs the transformer takes (input ids, attention mask...)."""
    features = model.preprocess(["An example sentence.", "Another one"])
    return [name for name, value in features.items() if hasattr(value, "dtype") and value.ndim == 2]


def export_onnx(model, input_names: list[str], quantize: bool = False, fuse: bool = False) -> bytes:
    """The first module's transformer as an ONNX graph with dynamic batch and sequence axes;
    ``fuse``: with ONNX Runtime's BERT fusions (``fuse_bert``) before any quantization."""
    import torch

    transformer = model[0].auto_model.eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors):
            named = dict(zip(input_names, tensors, strict=True))
            return self.transformer(**named).last_hidden_state

    features = model.preprocess(["An example sentence to trace.", "Another"])
    sample = tuple(features[name] for name in input_names)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*input_names, "last_hidden_state"]}
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "model.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHiddenState(),
                sample,
                str(exported),
                input_names=input_names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        if fuse:
            config = transformer.config
            fuse_bert(exported, config.num_attention_heads, config.hidden_size)
        if quantize:
            quantized = Path(scratch) / "model-int8.onnx"
            quantize_int8(exported, quantized, fused=fuse)
            exported = quantized
        return exported.read_bytes()


def quantize_int8(source: Path, target: Path, fused: bool = False) -> None:
    """8-bit weights (per output channel), activations scaled per call, as today's default."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # the quantizer logs every tensor to the root logger
    try:
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            # fused operators (com.microsoft) have no shape inference; their outputs are float
            extra_options={"DefaultTensorType": 1} if fused else None,
        )
    finally:
        logging.disable(logging.NOTSET)


def fuse_bert(path: Path, heads: int, hidden: int) -> None:
    """Rewrites the fp32 BERT graph at ``path`` with ONNX Runtime's transformer fusions (layer
    norm, skip layer norm, GELU, attention where its pattern is found)."""
    from onnxruntime.transformers import optimizer

    logging.disable(logging.WARNING)
    try:
        fused = optimizer.optimize_model(
            str(path), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0
        )
    finally:
        logging.disable(logging.NOTSET)
    fused.save_model_to_file(str(path))


def encode_onnx(
    model, session, input_names: list[str], texts: list[str], batch_size: int, workers: int
) -> np.ndarray:
    """Unit-length vectors of ``texts``: batches of ``batch_size`` run on ``session``, up to
    ``workers`` side by side, then through the model's pooling and normalisation."""
    dimension = model.get_embedding_dimension()
    # Longest first, as sentence-transformers batches, so padding stays small.
    order = np.argsort([-len(text) for text in texts], kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    # Tokenizers are not safe to share between threads: tokenize here, run the model there.
    features = [model.preprocess([texts[i] for i in batch]) for batch in batches]

    def embed(batch_features: dict) -> np.ndarray:
        import torch

        inputs = {name: batch_features[name].numpy().astype(np.int64) for name in input_names}
        hidden = session.run(None, inputs)[0]  # releases the GIL: batches run side by side
        with torch.inference_mode():
            batch_features = {**batch_features, "token_embeddings": torch.from_numpy(hidden)}
            for module in list(model)[1:]:
                batch_features = module(batch_features)
            pooled = batch_features["sentence_embedding"]
            return torch.nn.functional.normalize(pooled, dim=1).numpy()

    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for batch, embedded in zip(batches, pool.map(embed, features), strict=True):
            vectors[batch] = embedded
    return vectors
