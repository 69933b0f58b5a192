"""The real Claude Code CLI configured only by `cco setup claude`: requests go through cco, sessions are
recorded with their own cost, the status line shows it, and `--undo` leaves the settings as they were."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.claude_cli.claude import every_version, run_json
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message, stream_events
from tests.fakes.process import CcoProcess, headless_cco

pytestmark = pytest.mark.claude_cli
CCO = str(Path(sys.executable).parent / "cco")
MODEL = "claude-sonnet-4-5-20250929"  # priced alike by cco and by both CLI versions
USAGE_BY_PROMPT = {
    "first task": {"input_tokens": 1200, "output_tokens": 345, "cache_read_input_tokens": 20_000},
    "second task": {"input_tokens": 40, "output_tokens": 900, "cache_creation_input_tokens": 5000},
}


@pytest.fixture
def cco_process(config_dir: Path, tmp_path: Path) -> Iterator[CcoProcess]:
    with headless_cco(config_dir, tmp_path / "cco.db") as process:
        yield process


def cco(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `cco` script, as a user (or Claude Code's statusLine) runs it, with HOME set."""
    env = {**os.environ, "HOME": str(home)}
    env.pop("ANTHROPIC_BASE_URL", None)
    return subprocess.run([CCO, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def priced_reply(received: Received) -> Reply:
    """Each prompt gets its own usage, so the two sessions' costs differ; the model answered is the one asked."""
    text = json.dumps(received.json()["messages"])
    usage = next((u for prompt, u in USAGE_BY_PROMPT.items() if prompt in text), {})
    return Reply(events=stream_events(message(model=received.json()["model"], usage=usage)))


def recorded_rows(db: Path, expected: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The request rows, once the writer thread has committed `expected` of them (it batches)."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(db) as con:
            con.row_factory = sqlite3.Row
            rows = [dict(row) for row in con.execute("SELECT * FROM request WHERE endpoint = '/v1/messages'")]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def delegate_to_subagent(received: Received) -> Reply:
    """Main agent: call the Agent tool once, then answer. The subagent (x-claude-code-agent-id): answer."""
    model = received.json()["model"]
    if received.headers.get("x-claude-code-agent-id"):
        usage = {"input_tokens": 700, "output_tokens": 120}
        return Reply(events=stream_events(message(text="subagent done", model=model, usage=usage)))
    if "tool_result" not in json.dumps(received.json()["messages"]):
        task = {"description": "Look around", "prompt": "say hi", "subagent_type": "general-purpose"}
        tool = {"type": "tool_use", "id": "toolu_agent_1", "name": "Agent", "input": task}
        return Reply(events=stream_events(message(content=[tool], stop_reason="tool_use", model=model)))
    return Reply(events=stream_events(message(text="main done", model=model)))


def set_up(home: Path, process: CcoProcess) -> Path:
    done = cco(home, "setup", "claude", "--port", str(process.port))
    assert done.returncode == 0, done.stderr
    return home / ".claude" / "settings.json"


@every_version
def test_setup_alone_routes_claude_code_through_cco_and_undo_restores(
    cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path, claude_version: str
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    original = b'{\n    "theme": "dark",\n    "env": {"FOO": "bar"}\n}'  # not cco's formatting: undo must keep it
    settings.write_bytes(original)
    set_up(home, cco_process)
    document = json.loads(settings.read_text())
    assert document["theme"] == "dark" and document["env"]["FOO"] == "bar"

    result = run_json(None, work, home, "say hello", version=claude_version)  # no ANTHROPIC_BASE_URL exported
    assert result["result"] == "Hello from the fake upstream."
    assert fake.count() >= 1, "the request did not reach the upstream through cco"
    recorded_rows(tmp_path / "cco.db", fake.count())
    listed = json.loads(cco(home, "sessions", "--db", str(tmp_path / "cco.db"), "--json").stdout)["sessions"]
    assert [s["id"] for s in listed] == [result["session_id"]]
    assert listed[0]["project"] == "work"

    undone = cco(home, "setup", "claude", "--undo")
    assert undone.returncode == 0, undone.stderr
    assert settings.read_bytes() == original
    assert not list(settings.parent.glob("*cco*")), "undo left cco's backup behind"


@every_version
def test_two_sessions_each_cost_what_claude_code_reported(
    cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path, claude_version: str
) -> None:
    fake.responder = priced_reply
    home, work = tmp_path / "home", tmp_path / "project"
    work.mkdir()
    set_up(home, cco_process)
    runs = [run_json(None, work, home, prompt, "--model", MODEL, version=claude_version) for prompt in USAGE_BY_PROMPT]
    db = str(tmp_path / "cco.db")
    recorded_rows(Path(db), fake.count())
    listed = json.loads(cco(home, "sessions", "--db", db, "--project", "project", "--json").stdout)["sessions"]
    by_id = {session["id"]: session for session in listed}
    assert set(by_id) == {run["session_id"] for run in runs}
    for run in runs:
        assert by_id[run["session_id"]]["cost_usd"] == pytest.approx(run["total_cost_usd"], rel=1e-9)
        assert by_id[run["session_id"]]["project"] == "project"
    assert runs[0]["total_cost_usd"] != pytest.approx(runs[1]["total_cost_usd"])

    line = cco(home, "statusline", "--db", db, stdin=json.dumps(statusline_input(runs[1], work)))
    assert line.returncode == 0
    assert line.stdout.startswith(f"session ${runs[1]['total_cost_usd']:.4f}")
    total = runs[0]["total_cost_usd"] + runs[1]["total_cost_usd"]
    assert f"project today ${total:.4f}" in line.stdout

    stats = json.loads(cco(home, "stats", "--db", db, "--session", runs[0]["session_id"], "--json").stdout)
    assert stats["cost_usd"] == pytest.approx(runs[0]["total_cost_usd"], rel=1e-9)


def statusline_input(run: dict[str, Any], work: Path) -> dict[str, Any]:
    """What Claude Code pipes to its statusLine command (see shared/reference/claude-code.md)."""
    return {
        "session_id": run["session_id"],
        "transcript_path": str(work / "transcript.jsonl"),
        "cwd": str(work),
        "model": {"id": MODEL, "display_name": "Sonnet 4.5"},
        "workspace": {"current_dir": str(work), "project_dir": str(work)},
        "version": "2.1.197",
        "cost": {"total_cost_usd": run["total_cost_usd"]},
    }


@every_version
def test_a_subagents_calls_are_recorded_under_the_session_with_its_agent_id(
    cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path, claude_version: str
) -> None:
    fake.responder = delegate_to_subagent
    home, work = tmp_path / "home", tmp_path / "project"
    work.mkdir()
    set_up(home, cco_process)
    hints = {"CLAUDE_CODE_GATEWAY_HINT_HEADERS": "1"}
    run = run_json(None, work, home, "delegate", "--model", MODEL, version=claude_version, env=hints)
    sent = [r for r in fake.received if r.path == "/v1/messages"]
    sent_agents = {r.headers["x-claude-code-agent-id"] for r in sent if "x-claude-code-agent-id" in r.headers}
    assert sent_agents, "Claude Code never ran the subagent"
    rows = recorded_rows(tmp_path / "cco.db", len(sent))
    assert {row["session_id"] for row in rows} == {run["session_id"]}
    subagent_rows = [row for row in rows if row["agent_id"]]
    assert {row["agent_id"] for row in subagent_rows} == sent_agents
    if any("x-claude-code-request-class" in r.headers for r in sent):  # hint headers: 2.1.273 and later
        assert {(row["request_class"], row["agent_type"]) for row in subagent_rows} == {("subagent", "general-purpose")}
    (session,) = json.loads(cco(home, "sessions", "--db", str(tmp_path / "cco.db"), "--json").stdout)["sessions"]
    assert session["subagent_calls"] == len(subagent_rows)
    assert session["cost_usd"] == pytest.approx(run["total_cost_usd"], rel=1e-9)
