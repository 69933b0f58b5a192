"""Routing through the real server: OpenAI-compatible upstreams behind the Anthropic API, Ollama pass-through,
fallback chains, and what the analytics row says about them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, error_reply, message, stream_events
from tests.fakes.openai_upstream import FakeOpenAI, ToolCall, raw_stream, text_reply, tool_reply
from tests.fakes.serve import ThreadedServer, running

TOOLS = [
    {
        "name": "Bash",
        "description": "Run a shell command",
        "input_schema": {
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    }
]


@dataclass
class Stack:
    cco: ThreadedServer
    anthropic: FakeAnthropic
    openai: FakeOpenAI
    db: Path

    def client(self) -> anthropic.Anthropic:
        return anthropic.Anthropic(base_url=self.cco.url, api_key="sk-ant-client-key", max_retries=0)

    def rows(self) -> list[dict[str, Any]]:
        self.cco.stop()  # graceful stop flushes the analytics writer
        with sqlite3.connect(self.db) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute("SELECT * FROM request ORDER BY id")]


def routes(anthropic_url: str, openai_url: str) -> list[dict[str, Any]]:
    return [
        {
            "pattern": "^claude-opus",
            "provider": "anthropic",
            "endpoint": anthropic_url + "/v1",
            "fallbacks": ["gpt-4o"],
        },
        {"pattern": "^claude-", "provider": "anthropic", "endpoint": anthropic_url + "/v1"},
        {"pattern": "gpt-*", "provider": "openai", "endpoint": openai_url + "/v1", "max_tokens": 16384},
        {"pattern": "ollama/*", "provider": "ollama", "endpoint": anthropic_url + "/v1", "model": "\\1"},
        {"pattern": "local/*", "provider": "local", "endpoint": openai_url + "/v1", "model": "\\1"},
    ]


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-route-key")
    fake_anthropic, fake_openai = FakeAnthropic(), FakeOpenAI()
    with running(fake_anthropic) as a_server, running(fake_openai) as o_server:
        config_dir = write_config(tmp_path / "c", a_server.url, routes=routes(a_server.url, o_server.url))
        pricing = {"pricing": {"ollama/qwen3": {"input": 0, "output": 0, "savings_comparison": "claude-sonnet-4-6"}}}
        (config_dir / "model-pricing.json").write_text(json.dumps(pricing))
        db = tmp_path / "cco.db"
        with running(create_app(load_config(str(config_dir)), db)) as cco:
            yield Stack(cco, fake_anthropic, fake_openai, db)


def test_openai_route_non_stream(stack: Stack) -> None:
    stack.openai.then(text_reply("Bonjour from GPT", prompt_tokens=120, cached_tokens=100, completion_tokens=9))
    reply = stack.client().messages.create(
        model="gpt-4o", max_tokens=20000, system="Be brief.", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.content[0].text == "Bonjour from GPT"
    assert reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.cache_read_input_tokens, reply.usage.output_tokens) == (
        20,
        100,
        9,
    )
    sent = stack.openai.last
    assert sent.body["model"] == "gpt-4o"
    assert sent.body["max_tokens"] == 16384  # the route's cap
    assert sent.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent.headers["authorization"] == "Bearer sk-openai-route-key"
    assert "sk-ant-client-key" not in json.dumps(sent.headers)  # the Anthropic key never reaches OpenAI


def test_openai_route_stream_text_and_header(stack: Stack) -> None:
    stack.openai.then(text_reply("streamed words from a chat model", fragment_chars=3))
    with stack.client().messages.with_streaming_response.create(
        model="gpt-4o", max_tokens=100, stream=True, messages=[{"role": "user", "content": "hi"}]
    ) as raw:
        assert raw.headers["x-cco-served-model"] == "gpt-4o"
        assert raw.headers["content-type"].startswith("text/event-stream")
    with stack.client().messages.stream(
        model="gpt-4o", max_tokens=100, messages=[{"role": "user", "content": "again"}]
    ) as stream:
        assert stream.get_final_text() == "Hello from the fake OpenAI upstream."


def test_openai_route_stream_tool_use(stack: Stack) -> None:
    call = ToolCall("Bash", json.dumps({"command": "ls -la /srv", "timeout": 30}), "call_1")
    stack.openai.then(tool_reply(call, fragment_chars=4))
    with stack.client().messages.stream(
        model="gpt-4o", max_tokens=100, tools=TOOLS, messages=[{"role": "user", "content": "list"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    tool_use = next(block for block in final.content if block.type == "tool_use")
    assert tool_use.name == "Bash"
    assert tool_use.input == {"command": "ls -la /srv", "timeout": 30}


def test_openai_route_count_tokens_is_an_estimate(stack: Stack) -> None:
    counted = stack.client().messages.count_tokens(
        model="gpt-4o", tools=TOOLS, messages=[{"role": "user", "content": "hello " * 200}]
    )
    assert counted.input_tokens > 150
    assert stack.openai.received == []


def test_openai_errors_become_anthropic_errors(stack: Stack) -> None:
    from tests.fakes.openai_upstream import error_reply as openai_error

    stack.openai.then(openai_error(429, "Rate limit reached", "rate_limit_exceeded", {"retry-after": "2"}))
    with pytest.raises(anthropic.RateLimitError) as caught:
        stack.client().messages.create(model="gpt-4o", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert caught.value.response.headers["retry-after"] == "2"


def test_broken_openai_stream_ends_with_error_event(stack: Stack) -> None:
    first = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "partial"}, "finish_reason": None}],
    }
    stack.openai.then(raw_stream([first], cut=True))
    response = httpx.post(
        stack.cco.url + "/v1/messages",
        headers={"x-api-key": "k"},
        json={
            "model": "gpt-4o",
            "max_tokens": 10,
            "stream": True,
            "messages": [{"role": "user", "content": "x"}],
        },
    )
    assert b"partial" in response.content
    assert b"event: error" in response.content
    assert b"message_stop" not in response.content


def test_ollama_route_passes_through_with_model_renamed(stack: Stack) -> None:
    body = b'{"model":"ollama/qwen3","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"x_extra":1}'
    response = httpx.post(
        stack.cco.url + "/v1/messages",
        content=body,
        headers={"content-type": "application/json", "x-api-key": "k"},
    )
    assert response.status_code == 200
    sent = stack.anthropic.last.json()
    assert sent["model"] == "qwen3"
    assert sent["x_extra"] == 1
    assert response.headers["x-cco-served-model"] == "ollama/qwen3"


def test_fallback_on_529_serves_from_the_next_model(stack: Stack) -> None:
    stack.anthropic.then(error_reply(529, "overloaded_error", "Overloaded"))
    stack.openai.then(text_reply("rescued by the fallback"))
    response = httpx.post(
        stack.cco.url + "/v1/messages",
        headers={"x-api-key": "k"},
        json={"model": "claude-opus-4-8", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 200
    assert response.json()["content"][0]["text"] == "rescued by the fallback"
    assert response.headers["x-cco-served-model"] == "gpt-4o"
    (row,) = stack.rows()
    assert (row["requested_model"], row["served_model"], row["attempts"]) == ("claude-opus-4-8", "gpt-4o", 2)
    assert row["provider"] == "openai"


def test_fallback_after_unreachable_primary(tmp_path: Path) -> None:
    fake_openai = FakeOpenAI().then(text_reply("from the fallback"))
    with running(fake_openai) as o_server:
        config_dir = write_config(
            tmp_path / "c", "http://127.0.0.1:9", routes=routes("http://127.0.0.1:9", o_server.url)
        )
        with running(create_app(load_config(str(config_dir)), tmp_path / "x.db")) as cco:
            response = httpx.post(
                cco.url + "/v1/messages",
                headers={"x-api-key": "k"},
                json={
                    "model": "claude-opus-4-8",
                    "max_tokens": 10,
                    "messages": [{"role": "user", "content": "x"}],
                },
            )
    assert response.status_code == 200
    assert response.headers["x-cco-served-model"] == "gpt-4o"


def test_no_fallback_once_the_stream_started(stack: Stack) -> None:
    events = stream_events(message())[:3]
    stack.anthropic.then(Reply(events=events, cut=True))
    response = httpx.post(
        stack.cco.url + "/v1/messages",
        headers={"x-api-key": "k"},
        json={
            "model": "claude-opus-4-8",
            "max_tokens": 10,
            "stream": True,
            "messages": [{"role": "user", "content": "x"}],
        },
    )
    assert response.status_code == 200
    assert b"event: error" in response.content
    assert stack.openai.received == []


def test_retry_after_within_cap_retries_same_model_once(stack: Stack) -> None:
    stack.anthropic.then(error_reply(429, "rate_limit_error", "slow down", {"retry-after": "0"}))
    response = httpx.post(
        stack.cco.url + "/v1/messages",
        headers={"x-api-key": "k"},
        json={"model": "claude-opus-4-8", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 200
    assert response.headers["x-cco-served-model"] == "claude-opus-4-8"
    assert stack.anthropic.count() == 2
    assert stack.openai.received == []


def test_free_local_model_records_savings(stack: Stack) -> None:
    usage = {"input_tokens": 10_000, "output_tokens": 2_000}
    stack.anthropic.then(Reply(body=message(usage=usage, model="qwen3")))
    httpx.post(
        stack.cco.url + "/v1/messages",
        headers={"x-api-key": "k"},
        json={"model": "ollama/qwen3", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]},
    )
    (row,) = stack.rows()
    assert row["cost_usd"] == 0
    assert row["saved_local_usd"] == pytest.approx((10_000 * 3 + 2_000 * 15) / 1_000_000)
