"""``rewriter=openai`` without a server: the HTTP conversation, retries, bounds, fallbacks.

Requests go through httpx's in-process transport to a handler written here, so every answer a
real server can give (429 with Retry-After, 503, 401, a body that is not a completion, a refused
connection) is played exactly. ``test_rewrite_llm.py`` runs the same backend against a real
llama.cpp server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from summarize.data import Briefing, Document
from summarize.params import ParameterError
from summarize.stages.rewrite import OpenAIRewriter, RewriteError
from summarize.stages.rewrite.openai_backend import ServedModel, retry_after
from tests.unit.test_rewrite import CONF, SIMPLE_PROMPTS, make_briefing, make_document, rewrite

KEY = "sk-test-7d1f0c9e"
FAITHFUL = (
    "Flooding closed Millbrook's Harbour Bridge on Tuesday after engineers found 14 cracks in "
    "its main span. Mayor Linda Okafor said the bridge would stay shut for at least three "
    "weeks, and the repairs are expected to cost $2.5 million. Commuters were told to take "
    "the ferry across the Wren River instead. Okafor said the city had asked the state for "
    "emergency funds."
)


def completion(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}


class Server:
    """Plays a list of answers (or a function of the request), recording every request."""

    def __init__(self, answers: list[Any] | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self.answers):
            return self.answers(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def served(server: Server, **settings: Any) -> tuple[OpenAIRewriter, ServedModel, list[float]]:
    """A rewriter whose model talks to ``server``; sleeps are recorded, not slept."""
    settings = {
        **SIMPLE_PROMPTS,
        "base_url": "http://gpu-box.invalid:8000/v1",
        "guard": {"min_similarity": 0.3},
        "min_fill": 0.0,  # the length floor is test_rewrite's; these replies are short
        **settings,
    }
    rewriter = OpenAIRewriter("served-7b", **settings)
    slept: list[float] = []
    model = ServedModel(rewriter, sleep=slept.append)
    model.client = httpx.Client(transport=httpx.MockTransport(server))
    rewriter._loaded = model
    return rewriter, model, slept


@pytest.fixture()
def document() -> Document:
    return make_document()


@pytest.fixture()
def briefing(document: Document) -> Briefing:
    return make_briefing(document, [0, 1, 3, 5, 6])


def test_the_config_builds_without_touching_the_network() -> None:
    config = OmegaConf.load(CONF / "openai.yaml")
    assert OmegaConf.is_missing(config, "model")
    config.model = "served-7b"
    rewriter = instantiate(config)
    assert rewriter._loaded is None and rewriter.api_key_env == "OPENAI_API_KEY"


def test_a_request_is_a_chat_completion_with_the_key_as_bearer(
    briefing: Briefing, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSROOM_KEY", KEY)
    server = Server([httpx.Response(200, json=completion(FAITHFUL))])
    rewriter, _, _ = served(server, api_key_env="NEWSROOM_KEY", max_new_tokens=200)
    result = rewrite(rewriter, briefing, document)
    assert result.details["rewrite"]["used"] is True
    (request,) = server.requests
    assert request.url == "http://gpu-box.invalid:8000/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["model"] == "served-7b" and body["max_tokens"] == 200
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert briefing.sentences[0].text in body["messages"][1]["content"]
    assert KEY not in json.dumps(result.details) + json.dumps(vars(rewriter), default=str)


def test_no_key_in_the_environment_sends_no_authorization(
    briefing: Briefing, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = Server([httpx.Response(200, json=completion(FAITHFUL))])
    rewriter, _, _ = served(server)
    rewrite(rewriter, briefing, document)
    assert "authorization" not in server.requests[0].headers


def test_429_and_5xx_are_retried_with_exponential_backoff_and_retry_after() -> None:
    server = Server(
        [
            httpx.Response(503, text="loading model"),
            httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
            httpx.Response(502),
            httpx.Response(200, json=completion("Done.")),
        ]
    )
    _, model, slept = served(server, backoff_s=0.5)
    assert model.generate("system", "user") == "Done."
    assert slept == [0.5, 7.0, 2.0] and len(server.requests) == 4


def test_backoff_never_exceeds_its_ceiling() -> None:
    server = Server([httpx.Response(429, headers={"Retry-After": "3600"})] * 3)
    _, model, slept = served(server, max_retries=2, backoff_s=1, max_backoff_s=30)
    with pytest.raises(RewriteError, match=r"did not answer after 3 tries \(HTTP 429"):
        model.generate("system", "user")
    assert slept == [30, 30]


def test_a_client_error_is_not_retried_and_says_what_the_server_said() -> None:
    server = Server([httpx.Response(404, json={"error": "model 'served-7b' not found"})])
    _, model, slept = served(server)
    with pytest.raises(RewriteError, match=r"refused the request.*HTTP 404.*not found"):
        model.generate("system", "user")
    assert slept == [] and len(server.requests) == 1


def test_a_server_that_went_away_costs_one_try_per_cluster_until_it_answers() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    server = Server(
        [refused, refused, refused, refused, httpx.Response(200, json=completion("Back."))]
    )
    _, model, slept = served(server, max_retries=2)
    with pytest.raises(RewriteError, match=r"did not answer after 3 tries.*ConnectError"):
        model.generate("system", "user")
    with pytest.raises(RewriteError, match="did not answer after 1 try"):
        model.generate("system", "user")
    assert model.generate("system", "user") == "Back."
    assert not model.down and len(slept) == 2


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (httpx.Response(200, text="<html>502 Bad Gateway</html>"), "not JSON"),
        (httpx.Response(200, json={"object": "list", "data": []}), "without a chat completion"),
        (httpx.Response(200, json={"choices": []}), "without a chat completion"),
    ],
)
def test_a_nonsense_answer_keeps_the_extractive_briefing_with_the_reason(
    briefing: Briefing, document: Document, answer: httpx.Response, problem: str
) -> None:
    rewriter, _, _ = served(Server([answer]))
    result = rewrite(rewriter, briefing, document)
    info = result.details["rewrite"]
    assert info["used"] is False and problem in info["error"]
    assert result.warnings[-1] == info["error"] and "gpu-box.invalid" in info["error"]


def test_a_server_down_mid_run_keeps_each_clusters_extractive_briefing(
    briefing: Briefing, document: Document
) -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    server = Server([httpx.Response(200, json=completion(FAITHFUL)), *[refused] * 4])
    rewriter, _, slept = served(server, max_retries=2)
    assert rewrite(rewriter, briefing, document).details["rewrite"]["used"] is True
    for _ in range(2):  # the next clusters: the server is gone
        result = rewrite(rewriter, briefing, document)
        assert result.sentences == briefing.sentences
        assert (
            "did not answer" in result.warnings[-1] and "Connection refused" in result.warnings[-1]
        )
    assert len(server.requests) == 1 + 3 + 1 and len(slept) == 2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 1.5 ", 1.5), ("-3", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_reads_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after(value) == seconds


def test_retry_after_reads_an_http_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    assert 80 <= retry_after(format_datetime(when, usegmt=True)) <= 91


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_is_a_parameter_error_at_start_up() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    rewriter = OpenAIRewriter("served-7b", base_url=url, **SIMPLE_PROMPTS)
    with pytest.raises(
        ParameterError, match=rf"rewriter.base_url={url}: the server does not answer"
    ):
        rewriter.check_reachable()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"base_url": "gpu-box:8000/v1"}, "rewriter.base_url"),
        ({"api_key_env": ""}, "rewriter.api_key_env"),
        ({"max_in_flight": 0}, "rewriter.max_in_flight"),
        ({"timeout_s": 0}, "rewriter.timeout_s"),
        ({"max_retries": -1}, "rewriter.max_retries"),
    ],
)
def test_bad_settings_fail_when_built(setting: dict[str, Any], message: str) -> None:
    settings = {**SIMPLE_PROMPTS, "base_url": "http://127.0.0.1:8000/v1", **setting}
    with pytest.raises(ParameterError, match=message):
        OpenAIRewriter("served-7b", **settings)


@pytest.mark.slow  # starts a thread pool
def test_the_chunks_of_a_cluster_go_together_within_the_in_flight_bound(
    document: Document,
) -> None:
    open_now = peak = 0
    lock = threading.Lock()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal open_now, peak
        with lock:
            open_now += 1
            peak = max(peak, open_now)
        time.sleep(0.2)
        with lock:
            open_now -= 1
        return httpx.Response(200, json=completion("Engineers found 14 cracks in the bridge."))

    briefing = make_briefing(document, list(range(len(document.sentences))))
    rewriter, _, _ = served(
        Server(answer), max_input_tokens=100, max_in_flight=2, base_url="http://bound.invalid/v1"
    )
    result = rewrite(rewriter, briefing, document)
    assert result.details["rewrite"]["chunks"] >= 3
    assert peak == 2
