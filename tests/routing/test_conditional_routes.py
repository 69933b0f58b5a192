"""Conditional routes through the real server: what each upstream receives, the x-cco-route header, and the
row's route, reason and routing saving."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, error_reply
from tests.fakes.serve import ThreadedServer, running
from tests.test_cli import cco

LONG_TOKENS = 2000


def routes(main_url: str, long_url: str) -> list[dict[str, Any]]:
    return [
        {"name": "subagents", "pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5"},
        {
            "name": "long",
            "pattern": "claude-*",
            "when": {"min_input_tokens": LONG_TOKENS},
            "model": "claude-sonnet-4-6",
            "provider": "anthropic",
            "endpoint": long_url + "/v1",
            "fallbacks": ["claude-opus-4-8"],
        },
        {
            "name": "web-background",
            "pattern": "claude-*",
            "when": {"request_class": "background", "header": {"x-team": "web*"}},
            "model": "claude-haiku-4-5",
        },
        {"pattern": "claude-haiku-*", "when": {"thinking": True, "tools": False}, "model": "claude-opus-4-8"},
        {"pattern": "^claude-", "provider": "anthropic", "endpoint": main_url + "/v1"},
    ]


@dataclass
class Stack:
    cco: ThreadedServer
    main: FakeAnthropic
    long: FakeAnthropic
    db: Path

    def send(self, payload: dict[str, Any], **headers: str) -> httpx.Response:
        base = {"x-api-key": "sk-ant-route-test", "anthropic-version": "2023-06-01"}
        return httpx.post(f"{self.cco.url}/v1/messages", json=payload, headers={**base, **headers}, timeout=30)

    def rows(self) -> list[dict[str, Any]]:
        self.cco.stop()  # graceful stop flushes the analytics writer
        with sqlite3.connect(self.db) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute("SELECT * FROM request ORDER BY id")]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    main, long = FakeAnthropic(), FakeAnthropic()
    with running(main) as main_server, running(long) as long_server:
        config_dir = write_config(tmp_path / "c", main_server.url, routes=routes(main_server.url, long_server.url))
        db = tmp_path / "cco.db"
        with running(create_app(load_config(str(config_dir)), db)) as cco:
            yield Stack(cco, main, long, db)


def body(text: str = "hello", model: str = "claude-opus-4-8", stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


TITLE_SYSTEM = [{"type": "text", "text": "Generate a concise, sentence-case title (3-7 words) for this session."}]


def test_main_loop_stays_on_the_requested_model(stack: Stack) -> None:
    response = stack.send(body(stream=True))
    assert response.status_code == 200
    assert response.headers["x-cco-route"] == "4"
    assert stack.main.last.json()["model"] == "claude-opus-4-8"
    (row,) = stack.rows()
    assert (row["requested_model"], row["served_model"], row["route"], row["route_reason"]) == (
        "claude-opus-4-8",
        "claude-opus-4-8",
        "4",
        "pattern",
    )
    assert row["saved_routing_usd"] == 0


def test_subagent_goes_to_haiku_and_saves(stack: Stack) -> None:
    response = stack.send(body(stream=True), **{"x-claude-code-agent-id": "a0123456789abcdef"})
    assert response.status_code == 200
    assert response.headers["x-cco-route"] == "subagents"
    assert response.headers["x-cco-served-model"] == "claude-haiku-4-5"
    assert stack.main.last.json()["model"] == "claude-haiku-4-5"
    assert "event: message_stop" in response.text
    (row,) = stack.rows()
    assert (row["requested_model"], row["served_model"], row["route"]) == (
        "claude-opus-4-8",
        "claude-haiku-4-5",
        "subagents",
    )
    assert row["route_reason"] == "when agent=subagent"
    assert row["saved_routing_usd"] > 0
    assert row["cost_usd"] > 0


def test_long_prompt_goes_to_its_upstream(stack: Stack) -> None:
    response = stack.send(body("word " * (LONG_TOKENS * 4)))
    assert response.status_code == 200
    assert response.headers["x-cco-route"] == "long"
    assert stack.long.last.json()["model"] == "claude-sonnet-4-6"
    assert stack.main.count() == 0
    (row,) = stack.rows()
    assert row["served_model"] == "claude-sonnet-4-6"
    assert row["route_reason"] == f"when min_input_tokens={LONG_TOKENS}"
    assert row["saved_routing_usd"] > 0


def test_failing_target_uses_the_routes_fallbacks(stack: Stack) -> None:
    stack.long.then(error_reply(529, "overloaded_error", "Overloaded"))
    response = stack.send(body("word " * (LONG_TOKENS * 4)))
    assert response.status_code == 200
    assert stack.long.count() == 1
    assert stack.main.last.json()["model"] == "claude-opus-4-8"
    (row,) = stack.rows()
    assert (row["served_model"], row["route"], row["route_reason"], row["attempts"]) == (
        "claude-opus-4-8",
        "4",
        "fallback",
        2,
    )


def test_a_request_no_condition_fits_falls_through(stack: Stack) -> None:
    """The title call is `background`, but the web-background route also wants an x-team header."""
    stack.send(body("title this", system=TITLE_SYSTEM))
    stack.send(body("title this", system=TITLE_SYSTEM), **{"x-team": "web-frontend"})
    assert [item.json()["model"] for item in stack.main.received] == ["claude-opus-4-8", "claude-haiku-4-5"]
    first, second = stack.rows()
    assert (first["route"], second["route"]) == ("4", "web-background")


def test_dearer_target_is_a_negative_saving(stack: Stack) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    response = stack.send(body(model="claude-haiku-4-5", max_tokens=2048, thinking=thinking))
    assert response.headers["x-cco-route"] == "3"
    assert stack.main.last.json()["model"] == "claude-opus-4-8"
    (row,) = stack.rows()
    assert row["saved_routing_usd"] < 0


def test_count_tokens_follows_the_same_route(stack: Stack) -> None:
    payload = {"model": "claude-opus-4-8", "messages": [{"role": "user", "content": "hi"}]}
    base = {"x-api-key": "sk-ant-route-test", "anthropic-version": "2023-06-01", "x-claude-code-agent-id": "a1"}
    response = httpx.post(f"{stack.cco.url}/v1/messages/count_tokens", json=payload, headers=base, timeout=30)
    assert response.status_code == 200
    assert stack.main.last.json()["model"] == "claude-haiku-4-5"


def test_stats_by_route(stack: Stack) -> None:
    stack.send(body(), **{"x-claude-code-agent-id": "a1"})
    stack.send(body())
    stack.rows()  # stops cco: the rows are written
    result = cco("stats", "--by", "route", "--db", str(stack.db))
    assert result.returncode == 0, result.stderr
    subagents = next(line for line in result.stdout.splitlines() if line.strip().startswith("subagents "))
    assert "claude-haiku-4-5" in subagents and "when agent=subagent" in subagents
    assert float(subagents.split()[4]) > 0  # the routing saving column
    assert "routing $" in result.stdout  # in the totals' savings line too
    as_json = json.loads(cco("stats", "--by", "route", "--json", "--db", str(stack.db)).stdout)
    assert {group["route"] for group in as_json["by_route"]} == {"subagents", "4"}
