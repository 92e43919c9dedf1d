"""The ``llama.cpp`` backend: a GGUF model through ``llama-cpp-python`` (an optional extra)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, ClassVar

from summarize.params import Constraint, Interval, ParameterError
from summarize.stages.rewrite.base import Model, RewriteError
from summarize.stages.rewrite.mapreduce import GuardedRewriter

log = logging.getLogger(__name__)


class LlamaCppRewriter(GuardedRewriter):
    """A GGUF model through ``llama-cpp-python`` (``pip install summarize[llm]``).

    Takes the settings of ``GuardedRewriter`` plus the context size; for example
    ``LlamaCppRewriter("models/qwen2.5-1.5b-instruct-q4_k_m.gguf", context=4096, **prompts)``
    with the prompts of ``conf/rewriter/llama_cpp.yaml``, then ``rewriter.rewrite(...)`` as for
    ``TransformersRewriter``.
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **GuardedRewriter.constraints,
        "context": Interval(1, integer=True),
    }

    def __init__(self, model: str, *, context: int = 4096, **settings: Any) -> None:
        self.context = context
        super().__init__(model, **settings)
        if context <= self.max_new_tokens:
            raise ParameterError(
                f"rewriter.context ({context}) must exceed max_new_tokens ({self.max_new_tokens})"
            )
        if "torch" not in sys.modules:
            # Built before the embedder imports torch: llama.cpp and torch share one OpenMP
            # runtime, and its default busy-waiting slows generation many times on a busy CPU.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    def _load(self) -> Model:
        return _LlamaCppModel(self)


class _LlamaCppModel:
    def __init__(self, settings: LlamaCppRewriter) -> None:
        path = Path(settings.model).expanduser()
        if not path.is_file():
            raise RewriteError("no such GGUF file")
        try:
            import llama_cpp
        except ImportError as error:
            raise RewriteError(
                "llama-cpp-python is not installed; install the extra: pip install summarize[llm]"
            ) from error
        if "torch" in sys.modules and os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE":
            log.warning(
                "llama.cpp shares torch's OpenMP runtime, which busy-waits by default: on a "
                "busy CPU generation can be many times slower; start the process with "
                "OMP_WAIT_POLICY=PASSIVE"
            )
        self.settings = settings
        self.llm = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=settings.context,
            n_threads=settings.threads,
            seed=settings.seed,
            verbose=False,
        )
        self.max_prompt_tokens = settings.context - settings.max_new_tokens
        self._formatter = None
        template = self.llm.metadata.get("tokenizer.chat_template")
        if template:
            vocab = self.llm
            self._formatter = llama_cpp.llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=vocab.detokenize([vocab.token_eos()]).decode("utf-8", "replace"),
                bos_token=vocab.detokenize([vocab.token_bos()]).decode("utf-8", "replace"),
            )

    @staticmethod
    def _messages(system: str, user: str) -> list[dict[str, str]]:
        messages = [{"role": "user", "content": user}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        return messages

    def count(self, system: str, user: str) -> int:
        if self._formatter is None:  # no template in the file: plain text plus some markup
            text = f"{system}\n\n{user}"
            return len(self.llm.tokenize(text.encode("utf-8"), add_bos=True)) + 32
        prompt = self._formatter(messages=self._messages(system, user)).prompt
        return len(self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def generate(self, system: str, user: str) -> str:
        reply = self.llm.create_chat_completion(
            messages=self._messages(system, user),
            max_tokens=self.settings.max_new_tokens,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
        )
        return reply["choices"][0]["message"]["content"] or ""
