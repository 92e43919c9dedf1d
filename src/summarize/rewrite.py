"""Stage 6 (optional): rewrite the extractive selection into one fluent briefing, guarded.

A generative model turns the selected sentences into connected prose; the fact guard then
checks every sentence it wrote against the cluster's articles, and a sentence that fails is
dropped or replaced by the extractive sentence it came from. Whenever the rewrite cannot be
trusted (no model, a model that fails, a guard that rejects everything) the extractive
briefing is returned unchanged, with the reason recorded: a batch never fails because of it.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import os
import re
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from summarize.data import Briefing, BriefingSentence, Document, count_words
from summarize.guard import FactGuard

log = logging.getLogger(__name__)

Encoder = Callable[[list[str]], np.ndarray]
GuardFactory = Callable[..., FactGuard]

ON_REJECT = ("replace", "drop")

_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_BULLET = re.compile(r"^(?:[-*•]+|\d+[.)])\s+")
_PREAMBLE = re.compile(
    r"^(?:sure|certainly|okay|here(?:'s|’s| is| are)\b)[^:\n]{0,80}:\s*", re.IGNORECASE
)
_CLOSING = re.compile(r"([.!?]) ([\"'”’)\]]+)$")
_TERMINAL = re.compile(r"[.!?](?:\s*[\"'”’)\]])*$")


class RewriteError(RuntimeError):
    """A model that cannot be loaded or run; the message names the model."""


class NoRewriter:
    """``rewriter=none``: the extractive briefing is the briefing."""

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing:
        return dataclasses.replace(
            briefing,
            sentences=list(briefing.sentences),
            warnings=list(briefing.warnings),
            details=dict(briefing.details),
        )


class _Model(Protocol):
    """A loaded generator: counts prompt tokens and writes a reply to a system + user prompt."""

    max_prompt_tokens: int | None
    """What the model itself can read (context minus room for the answer), if it has a limit."""

    def count(self, system: str, user: str) -> int: ...

    def generate(self, system: str, user: str) -> str: ...


@dataclass
class _Draft:
    text: str
    chunks: int
    reduced: bool


class GuardedRewriter(ABC):
    """Map-reduce rewriting with a fact guard; subclasses only load a model.

    The selection is grouped into chunks whose prompt fits ``max_input_tokens`` (counted with
    the model's own tokenizer), each chunk is rewritten, and several partial rewrites are merged
    by one more call when they fit, or else concatenated. Nothing is ever truncated: a sentence
    too long for the model is an error, and the extractive briefing is kept.
    """

    def __init__(
        self,
        model: str,
        *,
        system_prompt: str,
        user_prompt: str,
        reduce_prompt: str,
        max_input_tokens: int = 1024,
        max_new_tokens: int = 384,
        temperature: float = 0.0,
        seed: int = 0,
        threads: int | None = None,
        on_reject: str = "replace",
        min_sentence_words: int = 3,
        language: str = "english",
        guard: GuardFactory | Mapping[str, Any] | None = None,
    ) -> None:
        if on_reject not in ON_REJECT:
            raise ValueError(f"rewriter.on_reject must be one of {ON_REJECT}, got {on_reject!r}")
        if max_input_tokens <= 0 or max_new_tokens <= 0:
            raise ValueError("rewriter.max_input_tokens and max_new_tokens must be positive")
        if temperature < 0:
            raise ValueError(f"rewriter.temperature must be >= 0, got {temperature}")
        for key, template in (
            ("system_prompt", system_prompt),
            ("user_prompt", user_prompt),
            ("reduce_prompt", reduce_prompt),
        ):
            try:
                template.format(sentences="", words=0, title="")
            except (KeyError, IndexError, ValueError) as error:
                raise ValueError(
                    f"rewriter.{key}: bad template ({error!r}); the placeholders are "
                    "{sentences}, {words} and {title}, and a literal brace is written {{ or }}"
                ) from error
        self.model = str(model)
        self.system_prompt = system_prompt
        self.user_prompt = user_prompt
        self.reduce_prompt = reduce_prompt
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.seed = seed
        self.threads = threads
        self.on_reject = on_reject
        self.min_sentence_words = min_sentence_words
        self.language = language
        if guard is None:
            self.guard: GuardFactory = FactGuard
        elif isinstance(guard, Mapping) and "_target_" in guard:
            from hydra.utils import instantiate

            self.guard = instantiate(guard, _partial_=True)
        elif isinstance(guard, Mapping):
            self.guard = functools.partial(FactGuard, **dict(guard))
        else:
            self.guard = guard
        self._loaded: _Model | None = None
        self._load_error: str | None = None

    @abstractmethod
    def _load(self) -> _Model:
        """Loads the model; raises with a message that says what is wrong."""

    def __getstate__(self) -> dict[str, Any]:
        # Workers load their own copy: model weights are not worth pickling.
        state = self.__dict__.copy()
        state["_loaded"] = None
        return state

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing:
        started = time.perf_counter()
        info: dict[str, Any] = {
            "used": False,
            "model": self.model,
            "chunks": 0,
            "rejected": 0,
            "reasons": [],
            "seconds": 0.0,
        }
        if not briefing.sentences:
            return _extractive(briefing, info, started, reason="nothing to rewrite")
        try:
            model = self._model()
            draft = self._draft(model, [s.text for s in briefing.sentences], budget_words, briefing)
            info["chunks"] = draft.chunks
            info["reduced"] = draft.reduced
            return self._assemble(
                draft.text, briefing, document, encode, budget_words, info, started
            )
        except Exception as error:  # a batch survives any model failure, with the reason
            message = (
                str(error)
                if isinstance(error, RewriteError)
                else f"rewriter: rewriting with model {self.model!r} failed: "
                f"{type(error).__name__}: {error}"
            )
            return _extractive(briefing, info, started, error=message)

    def _model(self) -> _Model:
        """The loaded model; a model that failed to load once is not tried again."""
        if self._load_error is not None:
            raise RewriteError(self._load_error)
        if self._loaded is None:
            try:
                self._loaded = self._load()
            except Exception as error:
                detail = str(error) if isinstance(error, RewriteError) else repr(error)
                self._load_error = f"rewriter: cannot load model {self.model!r}: {detail}"
                raise RewriteError(self._load_error) from error
        return self._loaded

    def _user(self, template: str, lines: list[str], words: int, briefing: Briefing) -> str:
        return template.format(sentences="\n".join(lines), words=words, title=briefing.title or "")

    def _draft(
        self, model: _Model, sentences: list[str], budget_words: int, briefing: Briefing
    ) -> _Draft:
        limit = self.max_input_tokens
        if model.max_prompt_tokens is not None:
            limit = min(limit, model.max_prompt_tokens)
        total = max(1, sum(count_words(s) for s in sentences))
        target = max(1, min(budget_words, total))
        system = self.system_prompt.format(sentences="", words=target, title=briefing.title or "")

        def words(chunk: list[str]) -> int:
            """The chunk's share of the target, so that the parts add up to the whole."""
            return max(1, round(target * sum(count_words(s) for s in chunk) / total))

        def fits(lines: list[str], template: str, n_words: int) -> bool:
            return model.count(system, self._user(template, lines, n_words, briefing)) <= limit

        chunks: list[list[str]] = []
        current: list[str] = []
        for sentence in sentences:
            trial = [*current, sentence]
            if fits(trial, self.user_prompt, words(trial)):
                current = trial
                continue
            if not current or not fits([sentence], self.user_prompt, words([sentence])):
                raise RewriteError(
                    f"rewriter: a selected sentence does not fit the prompt of model "
                    f"{self.model!r} within {limit} tokens (raise max_input_tokens or shorten "
                    "the prompt); nothing is truncated, so the extractive briefing is kept"
                )
            chunks.append(current)
            current = [sentence]
        chunks.append(current)

        partials = [
            model.generate(system, self._user(self.user_prompt, chunk, words(chunk), briefing))
            for chunk in chunks
        ]
        if len(partials) == 1:
            return _Draft(partials[0], 1, False)
        merged = [p.strip() for p in partials if p.strip()]
        if merged and fits(merged, self.reduce_prompt, target):
            user = self._user(self.reduce_prompt, merged, target, briefing)
            return _Draft(model.generate(system, user), len(chunks), True)
        return _Draft("\n".join(merged), len(chunks), False)

    def _assemble(
        self,
        text: str,
        briefing: Briefing,
        document: Document,
        encode: Encoder,
        budget_words: int,
        info: dict[str, Any],
        started: float,
    ) -> Briefing:
        written = _output_sentences(text, self.language)
        info["generated"] = len(written)
        if not written:
            return _extractive(briefing, info, started, reason="the model wrote no sentence")
        guard = self.guard([a.text for a in document.cluster.articles], document.embeddings, encode)
        embeddings = np.asarray(encode(written), dtype=np.float32)
        nearest = np.argmax(embeddings @ _selection_embeddings(briefing, document, encode).T, 1)

        result: list[BriefingSentence] = []
        covered: set[int] = set()
        seen: set[str] = set()
        reasons: list[dict[str, str]] = []
        accepted = replaced = copied = 0
        for sentence, embedding, source in zip(written, embeddings, nearest.tolist(), strict=True):
            origin = briefing.sentences[source]
            normal = _normal(sentence)
            if normal in seen:
                reason: str | None = "duplicate of an earlier sentence"
            elif normal == _normal(origin.text):  # copied as it was: still the extractive one
                result.append(origin)
                copied += 1
                reason = None
            elif not _TERMINAL.search(sentence):
                reason = "incomplete sentence (the model stopped mid-sentence)"
            elif count_words(sentence) < self.min_sentence_words:
                reason = f"fragment of fewer than {self.min_sentence_words} words"
            else:
                reason = guard.check(sentence, embedding)
                if reason is None:
                    accepted += 1
                    result.append(
                        BriefingSentence(
                            text=sentence,
                            article=origin.article,
                            position=origin.position,
                            also_in=origin.also_in,
                            rewritten=True,
                            background=origin.background,
                        )
                    )
            seen.add(normal)
            if reason is not None:
                reasons.append({"sentence": sentence, "reason": reason})
                if self.on_reject == "replace" and source not in covered:
                    result.append(origin)
                    seen.add(_normal(origin.text))
                    replaced += 1
            covered.add(source)
        info.update(rejected=len(reasons), reasons=reasons, replaced=replaced, copied=copied)

        trimmed = 0
        while result and count_words(" ".join(s.text for s in result)) > budget_words:
            result.pop()
            trimmed += 1
        info["trimmed_for_budget"] = trimmed
        if not any(s.rewritten for s in result):
            if accepted:
                reason = "no rewritten sentence fits the word budget"
            elif copied:
                reason = "the model copied extractive sentences and the guard rejected the rest"
            else:
                reason = "the guard rejected every rewritten sentence"
            return _extractive(briefing, info, started, reason=reason)
        info["used"] = True
        info["kept"] = sum(s.rewritten for s in result)
        info["seconds"] = round(time.perf_counter() - started, 3)
        return dataclasses.replace(
            briefing,
            sentences=result,
            warnings=list(briefing.warnings),
            details={**briefing.details, "rewrite": info},
        )


class TransformersRewriter(GuardedRewriter):
    """Any seq2seq or causal checkpoint that ``transformers`` loads, by local path or hub id.

    Encoder-decoder or decoder-only is read from the checkpoint's config; an instruction-tuned
    model's chat template is used when its tokenizer has one. Runs on the CPU by default.
    """

    def __init__(self, model: str, *, device: str = "cpu", **settings: Any) -> None:
        super().__init__(model, **settings)
        self.device = device

    def _load(self) -> _Model:
        return _TransformersModel(self)


class LlamaCppRewriter(GuardedRewriter):
    """A GGUF model through ``llama-cpp-python`` (``pip install summarize[llm]``)."""

    def __init__(self, model: str, *, context: int = 4096, **settings: Any) -> None:
        super().__init__(model, **settings)
        if context <= self.max_new_tokens:
            raise ValueError(
                f"rewriter.context ({context}) must exceed max_new_tokens ({self.max_new_tokens})"
            )
        self.context = context
        if "torch" not in sys.modules:
            # Built before the embedder imports torch: llama.cpp and torch share one OpenMP
            # runtime, and its default busy-waiting slows generation many times on a busy CPU.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    def _load(self) -> _Model:
        return _LlamaCppModel(self)


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~", "\\")) or Path(model).suffix == ".gguf"


class _TransformersModel:
    def __init__(self, settings: TransformersRewriter) -> None:
        import torch
        import transformers

        path = Path(settings.model).expanduser()
        local = path.exists()
        if not local and _looks_like_path(settings.model):
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


def _output_sentences(text: str, language: str) -> list[str]:
    """The model's reply as sentences, without the chatter models wrap around an answer."""
    from summarize.split import punkt_tokenizer

    text = _THINKING.sub("", text).replace("**", "")
    paragraphs = []
    for line in text.splitlines():
        line = _BULLET.sub("", line.strip()).strip()
        if not line or line.startswith("#") or (line.endswith(":") and count_words(line) <= 8):
            continue  # headings such as "Briefing:" or "Here is the rewrite:"
        paragraphs.append(_PREAMBLE.sub("", line) if not paragraphs else line)
    tokenizer = punkt_tokenizer(language)
    sentences = []
    for paragraph in paragraphs:
        for sentence in tokenizer.tokenize(paragraph):
            sentence = _CLOSING.sub(r"\1\2", " ".join(sentence.split()))
            if any(c.isalpha() for c in sentence):
                sentences.append(sentence)
    return sentences


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _selection_embeddings(briefing: Briefing, document: Document, encode: Encoder) -> np.ndarray:
    """Embeddings of the extractive sentences, reused from the document where possible."""
    rows = {(s.article, s.position): i for i, s in enumerate(document.sentences)}
    found = [rows.get((s.article, s.position)) for s in briefing.sentences]
    missing = [s.text for s, row in zip(briefing.sentences, found, strict=True) if row is None]
    fresh = iter(np.asarray(encode(missing), dtype=np.float32) if missing else ())
    return np.stack(
        [document.embeddings[row] if row is not None else next(fresh) for row in found]
    ).astype(np.float32)


def _extractive(
    briefing: Briefing,
    info: dict[str, Any],
    started: float,
    *,
    reason: str | None = None,
    error: str | None = None,
) -> Briefing:
    """The extractive briefing unchanged, with why the rewrite was not used."""
    info = {**info, "used": False, "seconds": round(time.perf_counter() - started, 3)}
    warnings = list(briefing.warnings)
    if error is not None:
        info["error"] = error
        warnings.append(error)
    info["reason"] = reason if reason is not None else error
    return dataclasses.replace(
        briefing,
        sentences=list(briefing.sentences),
        warnings=warnings,
        details={**briefing.details, "rewrite": info},
    )
