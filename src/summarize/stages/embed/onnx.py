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


def export_onnx(model, input_names: list[str], quantize: bool = False) -> bytes:
    """The first module's transformer as an ONNX graph with dynamic batch and sequence axes."""
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
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = Path(scratch) / "model-int8.onnx"
            logging.disable(logging.WARNING)  # the quantizer logs every tensor to the root logger
            try:
                quantize_dynamic(exported, quantized, weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
            exported = quantized
        return exported.read_bytes()


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
