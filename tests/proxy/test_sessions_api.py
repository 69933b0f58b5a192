"""GET /api/sessions on a real headless cco: Claude Code sessions, their calls, cost and subagent share."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.fakes.process import headless_cco

BODY = {"model": "claude-sonnet-4-6", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}


def send(url: str, session: str, text: str, agent: str | None = None) -> None:
    headers = {"x-api-key": "sk-ant-sessions", "x-claude-code-session-id": session, "x-cco-project": "web"}
    if agent:
        headers["x-claude-code-agent-id"] = agent
    body = {**BODY, "messages": [{"role": "user", "content": text}]}
    assert httpx.post(url + "/v1/messages", json=body, headers=headers, timeout=30).status_code == 200


def test_sessions_are_listed_with_their_calls_and_subagent_share(config_dir: Path, tmp_path: Path) -> None:
    with headless_cco(config_dir, tmp_path / "cco.db") as cco:
        send(cco.url, "s-one", "first")
        send(cco.url, "s-one", "second", agent="agent-7")
        send(cco.url, "s-two", "third")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            data = httpx.get(cco.url + "/api/sessions", timeout=10).json()["data"]
            if sum(session["calls"] for session in data) == 3:
                break
            time.sleep(0.2)
        only_web = httpx.get(cco.url + "/api/sessions", params={"project": "nosuch"}, timeout=10).json()["data"]
        bad = httpx.get(cco.url + "/api/sessions", params={"since": "soon"}, timeout=10)
    by_id = {session["session_id"]: session for session in data}
    assert set(by_id) == {"s-one", "s-two"}
    assert by_id["s-one"]["calls"] == 2 and by_id["s-one"]["subagent_share"] == 0.5
    assert by_id["s-two"]["project"] == "web" and by_id["s-two"]["cost_usd"] > 0
    assert data[0]["session_id"] == "s-two"  # most recent first
    assert only_web == []
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
