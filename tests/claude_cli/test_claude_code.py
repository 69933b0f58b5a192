"""The real Claude Code CLI, offline, through cco running headless as its own process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.claude_cli.claude import every_version, newest_only, run_claude, run_json
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message, stream_events
from tests.fakes.process import CcoProcess, headless_cco

pytestmark = pytest.mark.claude_cli
TOOL_MARKER = "cco-tool-round-trip-ok"


@pytest.fixture
def cco_process(config_dir: Path, tmp_path: Path) -> Iterator[CcoProcess]:
    with headless_cco(config_dir, tmp_path / "cco.db") as process:
        yield process


def tool_results(received: Received) -> list[dict[str, Any]]:
    blocks = [
        block for msg in received.json()["messages"] if isinstance(msg.get("content"), list) for block in msg["content"]
    ]
    return [block for block in blocks if block.get("type") == "tool_result"]


def bash_then_text(received: Received) -> Reply:
    """First turn: ask for a Bash tool call. Once the tool_result comes back: answer with what it said."""
    results = tool_results(received)
    if not results:
        tool = {
            "type": "tool_use",
            "id": "toolu_cco_1",
            "name": "Bash",
            "input": {"command": f"echo {TOOL_MARKER}", "description": "Print a marker"},
        }
        return Reply(events=stream_events(message(content=[tool], stop_reason="tool_use"), fragments=5))
    output = json.dumps(results[-1].get("content"))
    return Reply(events=stream_events(message(text=f"The tool printed: {output}")))


@every_version
def test_print_mode_answer_comes_through(
    claude_version: str, cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path
) -> None:
    result = run_json(cco_process.url, tmp_path, tmp_path / "home", "say hello", version=claude_version)
    assert result["result"] == "Hello from the fake upstream."
    assert result["is_error"] is False
    request = fake.last
    assert request.path == "/v1/messages"
    assert request.query == b"beta=true"
    assert request.headers["x-api-key"] == "sk-ant-test-claude-cli"
    assert request.headers["user-agent"].startswith("claude-cli/")
    assert request.json()["stream"] is True


# What each pinned CLI uses when no model is named: a new CLI's default must be priced from its first request.
DEFAULT_MODEL = {"2.1.197": "claude-opus-4-8", "2.1.332": "claude-opus-5-5"}
BILLED = {
    "input_tokens": 2345,
    "output_tokens": 678,
    "cache_creation_input_tokens": 3000,
    "cache_read_input_tokens": 40_000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
}


@every_version
def test_default_model_cost_recorded_equals_claude_codes_total_cost_usd(
    claude_version: str, cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path
) -> None:
    def billed(received: Received) -> Reply:
        msg = message(model=received.json()["model"], usage=BILLED)
        return Reply(events=stream_events(msg)) if received.json().get("stream") else Reply(body=msg)

    fake.responder = billed
    result = run_json(cco_process.url, tmp_path, tmp_path / "home", "say hello", version=claude_version)
    models = {r.json()["model"] for r in fake.received if r.path == "/v1/messages"}
    assert models == {DEFAULT_MODEL[claude_version]}
    stats = _recorded(cco_process.url, fake.count())
    assert stats["unpriced_requests"] == 0
    assert stats["cost_usd"] == pytest.approx(result["total_cost_usd"], abs=1e-6)
    assert result["total_cost_usd"] > 0


def _recorded(url: str, requests: int, timeout: float = 10) -> dict[str, Any]:
    """cco's totals once all `requests` are written (the writer commits in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        stats: dict[str, Any] = httpx.get(url + "/api/stats", timeout=5).json()
        if stats["requests"] >= requests or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


@newest_only
def test_tool_round_trip(claude_version: str, cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.responder = bash_then_text
    home = tmp_path / "home"
    args = ("run the marker command", "--allowedTools", "Bash")
    result = run_json(cco_process.url, tmp_path, home, *args, version=claude_version)
    assert TOOL_MARKER in result["result"]
    assert fake.count() >= 2
    returned = [r for r in fake.received if r.path == "/v1/messages" and tool_results(r)]
    assert returned, "Claude Code never sent the tool_result back"
    assert TOOL_MARKER in json.dumps(tool_results(returned[-1])[-1]["content"])


@newest_only
def test_upstream_overload_is_reported_not_hung(
    claude_version: str, cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path
) -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    fake.responder = lambda received: Reply(status=529, body=body, headers={"request-id": "req_overloaded"})
    home = tmp_path / "home"
    result = run_claude(cco_process.url, tmp_path, home, "-p", "hello", timeout=240, version=claude_version)
    assert result.returncode != 0
    assert "overloaded" in (result.stdout + result.stderr).lower()


@newest_only
def test_second_identical_run_is_a_cache_hit(
    claude_version: str, cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path
) -> None:
    work = tmp_path / "project"
    work.mkdir()
    first = run_json(cco_process.url, work, tmp_path / "home", "what is the answer?", version=claude_version)
    second = run_json(cco_process.url, work, tmp_path / "home", "what is the answer?", version=claude_version)
    assert second["result"] == first["result"] == "Hello from the fake upstream."
    assert fake.count() == 1, "the second run should have been answered from the cache"
    stats = httpx.get(cco_process.url + "/api/cache/stats").json()
    assert stats["hits"] == 1
    assert second["session_id"] != first["session_id"]  # metadata differed, the cache key did not


@newest_only
def test_claude_code_on_gpt_4o_completes_a_tool_round_trip(claude_version: str, tmp_path: Path, fake_upstream) -> None:
    from tests.conftest import write_config
    from tests.fakes.openai_upstream import FakeOpenAI, ToolCall, text_reply, tool_reply
    from tests.fakes.serve import running

    marker_call = ToolCall("Bash", json.dumps({"command": f"echo {TOOL_MARKER}", "description": "marker"}), "call_7")
    fake_openai = FakeOpenAI().then(tool_reply(marker_call, fragment_chars=6), text_reply("GPT saw the marker."))
    with running(fake_openai) as openai_server:
        routes = [
            {
                "pattern": "gpt-*",
                "provider": "openai",
                "endpoint": openai_server.url + "/v1",
                "max_tokens": 16384,
            },
            {"pattern": "^claude-", "provider": "anthropic", "endpoint": fake_upstream[1].url + "/v1"},
        ]
        config = write_config(tmp_path / "c", fake_upstream[1].url, routes=routes)
        with headless_cco(config, tmp_path / "cco.db") as cco:
            result = run_json(
                cco.url,
                tmp_path,
                tmp_path / "home",
                "run the marker command",
                "--allowedTools",
                "Bash",
                env={"ANTHROPIC_MODEL": "gpt-4o"},
                version=claude_version,
            )
    assert result["result"] == "GPT saw the marker."
    chat_requests = [r for r in fake_openai.received if r.body.get("model") == "gpt-4o"]
    assert len(chat_requests) >= 2
    tool_messages = [m for m in chat_requests[-1].body["messages"] if m["role"] == "tool"]
    assert tool_messages and TOOL_MARKER in json.dumps(tool_messages[-1]["content"])
    assert tool_messages[-1]["tool_call_id"] == "call_7"
    first_tools = {tool["function"]["name"] for tool in chat_requests[0].body["tools"]}
    assert "Bash" in first_tools
