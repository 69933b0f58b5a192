"""The real Claude Code CLI configured only by `cco setup claude`: requests go through cco, sessions are
recorded with their own cost, the status line shows it, and `--undo` leaves the settings as they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.claude_cli.claude import claude_binary, run_json
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message, stream_events
from tests.fakes.process import CcoProcess, headless_cco

pytestmark = pytest.mark.claude_cli
CCO = str(Path(sys.executable).parent / "cco")
MODEL = "claude-sonnet-4-5-20250929"  # priced alike by cco and by both CLI versions
USAGE_BY_PROMPT = {
    "first task": {"input_tokens": 1200, "output_tokens": 345, "cache_read_input_tokens": 20_000},
    "second task": {"input_tokens": 40, "output_tokens": 900, "cache_creation_input_tokens": 5000},
}


# CLAUDE_BINS (os.pathsep-separated) runs these tests against every pinned CLI version; without it, against
# the one claude_binary() finds.
BINARIES = [path for path in os.environ.get("CLAUDE_BINS", "").split(os.pathsep) if path] or [None]


@pytest.fixture(params=BINARIES, ids=lambda path: Path(path).parents[2].name if path else "default")
def claude_bin(request: pytest.FixtureRequest) -> str:
    return str(request.param or claude_binary())


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


def set_up(home: Path, process: CcoProcess) -> Path:
    done = cco(home, "setup", "claude", "--port", str(process.port))
    assert done.returncode == 0, done.stderr
    return home / ".claude" / "settings.json"


def test_setup_alone_routes_claude_code_through_cco_and_undo_restores(
    cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path, claude_bin: str
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

    result = run_json(None, work, home, "say hello", binary=claude_bin)  # no ANTHROPIC_BASE_URL exported
    assert result["result"] == "Hello from the fake upstream."
    assert fake.count() >= 1, "the request did not reach the upstream through cco"
    listed = json.loads(cco(home, "sessions", "--db", str(tmp_path / "cco.db"), "--json").stdout)["sessions"]
    assert [s["id"] for s in listed] == [result["session_id"]]
    assert listed[0]["project"] == "work"

    undone = cco(home, "setup", "claude", "--undo")
    assert undone.returncode == 0, undone.stderr
    assert settings.read_bytes() == original
    assert not list(settings.parent.glob("*cco*")), "undo left cco's backup behind"


def test_two_sessions_each_cost_what_claude_code_reported(
    cco_process: CcoProcess, fake: FakeAnthropic, tmp_path: Path, claude_bin: str
) -> None:
    fake.responder = priced_reply
    home, work = tmp_path / "home", tmp_path / "project"
    work.mkdir()
    set_up(home, cco_process)
    runs = [run_json(None, work, home, prompt, "--model", MODEL, binary=claude_bin) for prompt in USAGE_BY_PROMPT]
    db = str(tmp_path / "cco.db")
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
