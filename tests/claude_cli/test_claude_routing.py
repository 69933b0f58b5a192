"""The real Claude Code CLI (both pinned versions) through cco with conditional routes: its subagent goes to
claude-haiku-4-5 and a long prompt to another model, while the main loop stays on the model it asked for."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.claude_cli.claude import every_version, run_json
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message, stream_events
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer

pytestmark = pytest.mark.claude_cli
AGENT_ID = "x-claude-code-agent-id"
SUBAGENT_TEXT = "subagent-says-hi"
FINAL_TEXT = "main-loop-done"
LONG_TOKENS = 30_000  # above a first turn of either CLI (12-20k estimated), below the long prompt below


def routes(url: str) -> list[dict[str, Any]]:
    return [
        {"name": "subagents", "pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5"},
        {
            "name": "long",
            "pattern": "claude-*",
            "when": {"min_input_tokens": LONG_TOKENS},
            "model": "claude-sonnet-4-6",
        },
        {"pattern": "^claude-", "provider": "anthropic", "endpoint": url + "/v1", "timeout_ms": 30000},
    ]


def agent_tool(received: Received) -> str | None:
    names = [tool.get("name") for tool in received.json().get("tools") or []]
    return next((name for name in ("Agent", "Task") if name in names), None)


def has_tool_result(received: Received) -> bool:
    return any(
        isinstance(msg.get("content"), list) and any(block.get("type") == "tool_result" for block in msg["content"])
        for msg in received.json()["messages"]
    )


def spawn_then_answer(received: Received) -> Reply:
    """Main loop, first turn: spawn a subagent with the CLI's own agent tool. The subagent (it carries the agent
    id header) and every later main turn: plain text."""
    model = received.json()["model"]
    tool = agent_tool(received)
    if AGENT_ID in received.headers:
        return Reply(events=stream_events(message(text=SUBAGENT_TEXT, model=model)))
    if tool is None or has_tool_result(received) or "spawn a subagent" not in json.dumps(received.json()["messages"]):
        return Reply(events=stream_events(message(text=FINAL_TEXT, model=model)))
    call = {
        "type": "tool_use",
        "id": "toolu_route_1",
        "name": tool,
        "input": {"description": "Say hi", "prompt": "Say hi", "subagent_type": "general-purpose"},
    }
    return Reply(events=stream_events(message(content=[call], stop_reason="tool_use", model=model), fragments=4))


def rows(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM request WHERE endpoint = '/v1/messages'")]


@every_version
def test_subagent_and_long_prompt_are_routed_main_loop_is_not(
    claude_version: str, fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path
) -> None:
    fake, server = fake_upstream
    fake.responder = spawn_then_answer
    config_dir = write_config(tmp_path / "config", server.url, routes=routes(server.url))
    db = tmp_path / "cco.db"
    with headless_cco(config_dir, db) as cco:
        first = run_json(cco.url, tmp_path, tmp_path / "home", "spawn a subagent to say hi", version=claude_version)
        long_prompt = "Summarise these notes. " + "lorem ipsum dolor sit amet " * 4500  # ~120 KB, ~30k tokens
        second = run_json(cco.url, tmp_path, tmp_path / "home", long_prompt, version=claude_version)
        assert cco.stop() == 0  # flushes the writer
    assert (first["result"], first["is_error"]) == (FINAL_TEXT, False)
    assert (second["result"], second["is_error"]) == (FINAL_TEXT, False)

    calls = [(AGENT_ID in r.headers, r.json()["model"]) for r in fake.received if r.path == "/v1/messages"]
    main_models = {model for is_subagent, model in calls[:-1] if not is_subagent}
    assert main_models and all(model.startswith("claude-opus") for model in main_models)  # the CLI's default
    assert any(is_subagent for is_subagent, _ in calls)
    assert all(model == "claude-haiku-4-5" for is_subagent, model in calls if is_subagent)
    assert calls[-1] == (False, "claude-sonnet-4-6")  # the long prompt

    recorded = rows(db)
    routed = [row for row in recorded if row["route"] in ("subagents", "long")]
    assert {row["route"] for row in routed} == {"subagents", "long"}
    assert all(row["saved_routing_usd"] > 0 and row["served_model"] != row["requested_model"] for row in routed)
    assert all(row["route_reason"] == "pattern" for row in recorded if row not in routed)
