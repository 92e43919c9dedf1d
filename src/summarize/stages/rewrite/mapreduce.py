"""The guarded map-reduce rewriter every backend shares; a backend only loads its model.

The selection is grouped into chunks whose prompt fits ``max_input_tokens`` (counted with the
model's own tokenizer), each chunk is rewritten, and several partial rewrites are merged by one
more call when they fit, or else concatenated. The fact guard then checks what was written
(``assemble``). Nothing is ever truncated, and a batch never fails because of the rewrite: any
failure gives back the extractive briefing with the reason.
"""

from __future__ import annotations

import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from summarize.data import Briefing, Document, count_words
from summarize.params import Constraint, Interval, OneOf, ParameterError, check_params
from summarize.stages.rewrite.assemble import assemble, extractive
from summarize.stages.rewrite.base import Encoder, Model, RewriteError
from summarize.stages.rewrite.guard import FactGuard
from summarize.stages.rewrite.reply import reply_sentences

GuardFactory = Callable[..., FactGuard]

ON_REJECT = ("replace", "drop")


@dataclass
class _Draft:
    text: str
    chunks: int
    reduced: bool


class GuardedRewriter(ABC):
    """Map-reduce rewriting with a fact guard; subclasses only load a model (``_load``).

    Parameters are validated here, once, when the rewriter is built; the model loads on the
    first ``rewrite`` call, in the process that makes it (pickling drops a loaded model).
    A new backend is a subclass whose ``_load`` returns a ``Model``::

        class EchoRewriter(GuardedRewriter):
            def _load(self) -> Model:
                return EchoModel()  # count(system, user) -> int, generate(system, user) -> str
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        "max_input_tokens": Interval(1, integer=True),
        "max_new_tokens": Interval(1, integer=True),
        "temperature": Interval(0),
        "seed": Interval(integer=True),
        "threads": Interval(1, integer=True, allow_none=True),
        "on_reject": OneOf(ON_REJECT),
        "min_sentence_words": Interval(0, integer=True),
    }

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
        for key, template in (
            ("system_prompt", system_prompt),
            ("user_prompt", user_prompt),
            ("reduce_prompt", reduce_prompt),
        ):
            _check_template(key, template)
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
        self.guard = _guard_factory(guard)
        check_params(self, "rewriter")
        self.guard(())  # the guard checks its settings now, not at the first cluster
        self._loaded: Model | None = None
        self._load_error: str | None = None

    @abstractmethod
    def _load(self) -> Model:
        """Loads the model; raises with a message that says what is wrong."""

    def __getstate__(self) -> dict[str, Any]:
        # Workers load their own copy: model weights are not worth pickling.
        state = self.__dict__.copy()
        state["_loaded"] = None
        return state

    def rewrite(
        self, briefing: Briefing, document: Document, encode: Encoder, budget_words: int
    ) -> Briefing:
        """The rewritten briefing, or the extractive one with ``details["rewrite"]["reason"]``."""
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
            return extractive(briefing, info, started, reason="nothing to rewrite")
        try:
            model = self._model()
            draft = self._draft(model, [s.text for s in briefing.sentences], budget_words, briefing)
            info["chunks"] = draft.chunks
            info["reduced"] = draft.reduced
            written = reply_sentences(draft.text, self.language)
            info["generated"] = len(written)
            if not written:
                return extractive(briefing, info, started, reason="the model wrote no sentence")
            articles = [a.text for a in document.cluster.articles]
            return assemble(
                written,
                briefing,
                document,
                encode,
                self.guard(articles, document.embeddings, encode),
                budget_words,
                info,
                started,
                min_sentence_words=self.min_sentence_words,
                on_reject=self.on_reject,
            )
        except Exception as error:  # a batch survives any model failure, with the reason
            message = (
                str(error)
                if isinstance(error, RewriteError)
                else f"rewriter: rewriting with model {self.model!r} failed: "
                f"{type(error).__name__}: {error}"
            )
            return extractive(briefing, info, started, error=message)

    def _model(self) -> Model:
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
        self, model: Model, sentences: list[str], budget_words: int, briefing: Briefing
    ) -> _Draft:
        """Map (one reply per chunk that fits the prompt), then reduce if the replies fit."""
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


def _check_template(key: str, template: str) -> None:
    try:
        template.format(sentences="", words=0, title="")
    except (KeyError, IndexError, ValueError) as error:
        raise ParameterError(
            f"rewriter.{key}: bad template ({error!r}); the placeholders are "
            "{sentences}, {words} and {title}, and a literal brace is written {{ or }}"
        ) from error


def _guard_factory(guard: GuardFactory | Mapping[str, Any] | None) -> GuardFactory:
    """``FactGuard``, a Hydra node (``_target_``), keyword arguments for it, or a callable."""
    if guard is None:
        return FactGuard
    if isinstance(guard, Mapping) and "_target_" in guard:
        from hydra.utils import instantiate

        return instantiate(guard, _partial_=True)
    if isinstance(guard, Mapping):
        return functools.partial(FactGuard, **dict(guard))
    return guard
