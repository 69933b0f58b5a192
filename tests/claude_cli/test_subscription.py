"""The real Claude Code CLI logged in with a subscription (OAuth) token, through cco to a fake upstream that
refuses requests without the token and the OAuth beta flag and answers with plan headers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.claude_cli.claude import claude_binary, every_version
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.plan_limits import OAUTH_BETA, OAUTH_TOKEN, api_key_headers, subscription_gate, unified_headers
from tests.fakes.process import headless_cco

pytestmark = pytest.mark.claude_cli
RESETS = int(time.time()) + 3600


def run_subscriber(version: str, base_url: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Claude Code with only a subscription token in its environment (no API key)."""
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": base_url,
        "CLAUDE_CODE_OAUTH_TOKEN": OAUTH_TOKEN,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_MAX_RETRIES": "1",
    }
    return subprocess.run(
        [claude_binary(version), "-p", "say hello", "--output-format", "json"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@every_version
def test_subscription_login_passes_through_and_fills_the_plan_meters(
    claude_version: str, config_dir: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.responder = subscription_gate(
        lambda: unified_headers(0.42, 0.18, RESETS, RESETS + 86400), api_key_headers("2026-12-04T18:00:00Z")
    )
    db = tmp_path / "cco.db"
    with headless_cco(config_dir, db) as cco:
        result = run_subscriber(claude_version, cco.url, tmp_path, tmp_path / "home")
        assert result.returncode == 0, f"claude failed: {result.stderr[-2000:]} {result.stdout[-2000:]}"
        assert json.loads(result.stdout)["is_error"] is False
        request = [r for r in fake.received if r.path == "/v1/messages"][-1]
        assert request.headers["authorization"] == f"Bearer {OAUTH_TOKEN}"
        assert OAUTH_BETA in request.headers["anthropic-beta"].split(",")
        assert "x-api-key" not in request.headers
        (meter,) = httpx.get(cco.url + "/api/limits").json()["credentials"]
        assert (meter["kind"], meter["five_hour"]["utilization"], meter["seven_day"]["utilization"]) == (
            "subscription",
            42.0,
            18.0,
        )
        assert cco.stop() == 0
    with sqlite3.connect(db) as connection:
        billing = {row[0] for row in connection.execute("SELECT billing FROM request WHERE endpoint = '/v1/messages'")}
    assert billing == {"subscription"}
    assert OAUTH_TOKEN.encode() not in db.read_bytes()
