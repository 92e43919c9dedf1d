"""The ``transformers`` backend: any seq2seq or causal checkpoint, by local path or hub id."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from summarize.stages.rewrite.base import Model, RewriteError, looks_like_path
from summarize.stages.rewrite.mapreduce import GuardedRewriter


class TransformersRewriter(GuardedRewriter):
    """Any seq2seq or causal checkpoint that ``transformers`` loads, by local path or hub id.

    Encoder-decoder or decoder-only is read from the checkpoint's config; an instruction-tuned
    model's chat template is used when its tokenizer has one. Runs on the CPU by default.
    The prompts and guard settings are those of ``conf/rewriter/transformers.yaml``.

    Example::

        rewriter = TransformersRewriter(
            "path/to/flan-t5-small",
            system_prompt="Rewrite these news sentences as one briefing.",
            user_prompt="{sentences}\n\nBriefing of about {words} words:",
            reduce_prompt="Merge into one briefing of about {words} words:\n{sentences}",
        )
        briefing = rewriter.rewrite(briefing, document, embedder.encode, budget_words=250)
        briefing.details["rewrite"]["used"]  # False, with a "reason", if it was not trusted
    """

    def __init__(self, model: str, *, device: str = "cpu", **settings: Any) -> None:
        super().__init__(model, **settings)
        self.device = device

    def _load(self) -> Model:
        return _TransformersModel(self)


class _TransformersModel:
    def __init__(self, settings: TransformersRewriter) -> None:
        import torch
        import transformers

        path = Path(settings.model).expanduser()
        local = path.exists()
        if not local and looks_like_path(settings.model):
            raise RewriteError("no such model directory")
        source = str(path) if local else settings.model
        if settings.threads:
            torch.set_num_threads(settings.threads)
        config = transformers.AutoConfig.from_pretrained(source, local_files_only=local)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(source, local_files_only=local)
        auto = (
            transformers.AutoModelForSeq2SeqLM
            if config.is_encoder_decoder
            else transformers.AutoModelForCausalLM
        )
        self.model = auto.from_pretrained(
            source, config=config, local_files_only=local, dtype=torch.float32
        )
        self.model.to(settings.device).eval()
        self.encoder_decoder = bool(config.is_encoder_decoder)
        self.settings = settings
        self._torch = torch
        self._transformers = transformers

        limits = []
        if 0 < getattr(self.tokenizer, "model_max_length", 0) < 1_000_000:
            limits.append(int(self.tokenizer.model_max_length))
        positions = getattr(config, "max_position_embeddings", None)
        if positions and not self.encoder_decoder:
            limits.append(int(positions) - settings.max_new_tokens)
        self.max_prompt_tokens = min(limits) if limits else None
        if self.max_prompt_tokens is not None and self.max_prompt_tokens <= 0:
            raise RewriteError(
                f"max_new_tokens={settings.max_new_tokens} leaves no room for a prompt in the "
                f"model's context of {positions} tokens"
            )

        generation = copy.deepcopy(self.model.generation_config)
        generation.max_new_tokens = settings.max_new_tokens
        generation.max_length = None
        if settings.temperature > 0:
            generation.do_sample = True
            generation.temperature = settings.temperature
        else:
            generation.do_sample = False
            generation.temperature = None
            generation.top_p = None
            generation.top_k = None
        if generation.pad_token_id is None:
            generation.pad_token_id = (
                self.tokenizer.pad_token_id
                if self.tokenizer.pad_token_id is not None
                else self.tokenizer.eos_token_id
            )
        self.generation = generation

    def _prompt(self, system: str, user: str) -> tuple[str, bool]:
        """The prompt text, and whether the tokenizer must still add its special tokens."""
        if not self.tokenizer.chat_template:
            return (f"{system}\n\n{user}" if system else user), True
        messages = [{"role": "user", "content": user}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        try:
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        except Exception:  # some templates refuse a system turn: fold it into the user turn
            merged = [{"role": "user", "content": f"{system}\n\n{user}" if system else user}]
            text = self.tokenizer.apply_chat_template(
                merged, tokenize=False, add_generation_prompt=True
            )
        return text, False

    def count(self, system: str, user: str) -> int:
        text, special = self._prompt(system, user)
        return len(self.tokenizer(text, add_special_tokens=special)["input_ids"])

    def generate(self, system: str, user: str) -> str:
        text, special = self._prompt(system, user)
        inputs = self.tokenizer(text, return_tensors="pt", add_special_tokens=special)
        inputs = {k: v.to(self.settings.device) for k, v in inputs.items()}
        self._transformers.set_seed(self.settings.seed)
        with self._torch.inference_mode():
            output = self.model.generate(**inputs, generation_config=self.generation)
        tokens = output[0] if self.encoder_decoder else output[0, inputs["input_ids"].shape[1] :]
        return self.tokenizer.decode(tokens, skip_special_tokens=True)
