"""The served-model backend: any OpenAI-compatible chat-completions server, over HTTP.

vLLM, llama.cpp's ``llama-server``, Ollama, LM Studio, TGI and the OpenAI API itself all answer
``POST {base_url}/chat/completions``. A deployment runs its model on a GPU box behind one of
them; this backend sends it the same guarded map-reduce prompts the local backends run.

Design, for an unattended night against a shared server:

- **The key stays in the environment.** The configuration holds only the *name* of the variable
  (``api_key_env``); the key is read when a request is sent, and goes nowhere but the
  ``Authorization: Bearer`` header, so the manifest, ``.hydra/`` and the log never see it.
- **Bounded in flight.** At most ``max_in_flight`` requests to one server are open at once from
  this process, whatever the number of rewriter objects (a semaphore per ``base_url``). The
  map-reduce parts of one cluster are sent together, so a GPU server batches them; with
  ``runner=processes`` each worker process adds its own clusters, up to ``max_in_flight`` each.
- **Retries.** A connection error, a timeout, a 429 or a 5xx is retried ``max_retries`` times,
  waiting ``backoff_s``, then twice as long each time (``Retry-After`` when the server sends
  one), never more than ``max_backoff_s``. Other answers (401, 404 for an unknown model) are not
  retried: the message names the status and what the server said.
- **One cluster fails alone.** A server that stops answering, or answers with no text, fails the
  cluster's rewrite, which keeps its extractive briefing with the reason (``GuardedRewriter``).
  Once a request has failed every retry on a connection error, the next ones try once until the
  server answers again, so a server that died mid-run costs seconds per cluster, not minutes.
- **Checked at start-up.** ``check_reachable`` asks ``GET {base_url}/models`` once, before any
  cluster runs; the command line turns a server it cannot reach into a usage error (exit 2).
"""

from __future__ import annotations

import email.utils
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from summarize.params import Constraint, Interval, ParameterError
from summarize.stages.rewrite.base import Model, RewriteError, chat_messages
from summarize.stages.rewrite.mapreduce import GuardedRewriter

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3
"""Prompt tokens are estimated from characters, since a server's tokenizer is not ours to ask:
English runs near four characters a token, so three over-counts and a chunk never overflows."""

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})

_in_flight: dict[str, threading.BoundedSemaphore] = {}
_in_flight_lock = threading.Lock()


def _limit(base_url: str, max_in_flight: int) -> threading.BoundedSemaphore:
    """The process-wide bound on open requests to one server (the first setting seen wins)."""
    with _in_flight_lock:
        return _in_flight.setdefault(base_url, threading.BoundedSemaphore(max_in_flight))


class OpenAIRewriter(GuardedRewriter):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint (``rewriter=openai``).

    Takes the settings of ``GuardedRewriter`` plus where and how to reach the server, e.g.::

        rewriter = OpenAIRewriter(
            "Qwen/Qwen2.5-7B-Instruct", base_url="http://gpu-box:8000/v1", **prompts
        )
        rewriter.check_reachable()  # ParameterError naming base_url if nothing answers
        briefing = rewriter.rewrite(briefing, document, embedder.encode, budget_words=250)
    """

    constraints: ClassVar[dict[str, Constraint]] = {
        **GuardedRewriter.constraints,
        "timeout_s": Interval(0, closed="neither"),
        "connect_timeout_s": Interval(0, closed="neither"),
        "max_retries": Interval(0, integer=True),
        "backoff_s": Interval(0),
        "max_backoff_s": Interval(0),
        "max_in_flight": Interval(1, integer=True),
    }

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 300.0,
        connect_timeout_s: float = 10.0,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        max_in_flight: int = 8,
        **settings: Any,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ParameterError(
                f"rewriter.base_url={base_url!r}: give the server's http(s) address, "
                "e.g. http://gpu-box:8000/v1"
            )
        if not isinstance(api_key_env, str) or not api_key_env:
            raise ParameterError(
                "rewriter.api_key_env: give the name of the environment variable that holds "
                "the API key (the key itself never goes into the configuration)"
            )
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_in_flight = max_in_flight
        super().__init__(model, **settings)

    def _load(self) -> Model:
        return ServedModel(self)

    def check_reachable(self) -> None:
        """Raises ``ParameterError`` when ``base_url`` does not answer or refuses the key.

        One ``GET {base_url}/models`` with the connect timeout and no retry: called once at
        start-up, so that a wrong address is a usage error and not a night of failed rewrites.
        """
        import httpx

        try:
            with httpx.Client(timeout=self._timeout(), headers=self._headers()) as client:
                answer = client.get(f"{self.base_url}/models")
        except httpx.HTTPError as error:
            raise ParameterError(
                f"rewriter.base_url={self.base_url}: the server does not answer "
                f"({type(error).__name__}: {error}); start it or fix the address"
            ) from None
        if answer.status_code in (401, 403):
            raise ParameterError(
                f"rewriter.base_url={self.base_url}: the server refused the API key "
                f"(HTTP {answer.status_code}); set it in ${self.api_key_env} "
                "(rewriter.api_key_env names the variable)"
            )

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _timeout(self) -> Any:
        import httpx

        return httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)


class ServedModel:
    """The ``Model`` a served backend loads: an HTTP client, shared by the cluster's threads."""

    max_prompt_tokens = None

    def __init__(
        self, settings: OpenAIRewriter, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        import httpx

        self.settings = settings
        self.client = httpx.Client(timeout=settings._timeout())
        self.limit = _limit(settings.base_url, settings.max_in_flight)
        self.sleep = sleep
        self.down = False
        """Set when a request failed every retry on a connection error: the next try once."""

    def count(self, system: str, user: str) -> int:
        return math.ceil((len(system) + len(user)) / CHARS_PER_TOKEN) + 16

    def generate(self, system: str, user: str) -> str:
        settings = self.settings
        body: dict[str, Any] = {
            "model": settings.model,
            "messages": chat_messages(system, user),
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "seed": settings.seed,
        }
        with self.limit:
            answer = self._post(body)
        return _reply_text(answer, settings.base_url)

    def generate_many(self, system: str, users: list[str]) -> list[str]:
        """The replies to several prompts, sent at once (the in-flight bound still holds)."""
        if len(users) <= 1:
            return [self.generate(system, user) for user in users]
        with ThreadPoolExecutor(len(users), thread_name_prefix="rewrite-http") as pool:
            return list(pool.map(lambda user: self.generate(system, user), users))

    def _post(self, body: dict[str, Any]) -> Any:
        import httpx

        settings = self.settings
        url = f"{settings.base_url}/chat/completions"
        tries = 1 if self.down else settings.max_retries + 1
        problem = ""
        for attempt in range(tries):
            wait: float | None = None
            try:
                answer = self.client.post(url, json=body, headers=settings._headers())
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
                unreachable = True
            else:
                unreachable = False
                if answer.status_code < 400:
                    self.down = False
                    try:
                        return answer.json()
                    except ValueError:
                        raise RewriteError(
                            f"rewriter: the server at {settings.base_url} answered something "
                            f"that is not JSON: {answer.text[:200]!r}"
                        ) from None
                problem = f"HTTP {answer.status_code}: {answer.text[:200]}"
                if answer.status_code not in RETRY_STATUSES:
                    raise RewriteError(
                        f"rewriter: the server at {settings.base_url} refused the request "
                        f"({problem})"
                    )
                wait = retry_after(answer.headers.get("retry-after"))
            if attempt + 1 < tries:
                delay = settings.backoff_s * 2**attempt if wait is None else wait
                self.sleep(min(delay, settings.max_backoff_s))
        self.down = unreachable
        raise RewriteError(
            f"rewriter: the server at {settings.base_url} did not answer after {tries} "
            f"tr{'y' if tries == 1 else 'ies'} ({problem})"
        )


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reply_text(answer: Any, base_url: str) -> str:
    """The text of a chat-completions answer; anything else is the server's failure."""
    try:
        content = answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str):
        raise RewriteError(
            f"rewriter: the server at {base_url} answered without a chat completion: "
            f"{str(answer)[:200]!r}"
        )
    return content
