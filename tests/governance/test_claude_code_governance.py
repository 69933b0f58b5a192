"""The real Claude Code CLI against cco's governance: a token as its ANTHROPIC_API_KEY, and a budget refusal it
prints and does not retry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.claude_cli.claude import every_version, run_claude, run_json
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer
from tests.governance.helpers import OWN_KEY, create_key, rows

pytestmark = pytest.mark.claude_cli


@every_version
def test_token_as_claude_codes_api_key(
    claude_version: str, config_dir: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    db = tmp_path / "cco.db"
    key = create_key(db, "from-token")
    with headless_cco(config_dir, db, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:
        result = run_json(
            cco.url,
            tmp_path,
            tmp_path / "home",
            "say hello",
            env={"ANTHROPIC_API_KEY": key["token"]},
            version=claude_version,
        )
        assert cco.stop() == 0
    assert result["result"] == "Hello from the fake upstream."
    assert fake.count() >= 1
    assert all(r.headers.get("x-api-key") == OWN_KEY for r in fake.received)
    assert {row["project"] for row in rows(db)} == {"from-token"}


@every_version
def test_over_budget_prints_the_message_and_does_not_retry(
    claude_version: str, fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path
) -> None:
    fake, server = fake_upstream
    budget = {"name": "team-cap", "usd": 0.001, "period": "week"}  # less than any first turn's worst case
    config = write_config(tmp_path / "config", server.url, {"budgets": [budget]})
    db = tmp_path / "cco.db"
    with headless_cco(config, db) as cco:
        result = run_claude(
            cco.url,
            tmp_path,
            tmp_path / "home",
            "-p",
            "hello",
            env={"CLAUDE_CODE_MAX_RETRIES": "5"},
            timeout=120,
            version=claude_version,
        )
        assert cco.stop() == 0
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "team-cap" in output, output[-2000:]
    assert fake.count() == 0
    refused = [row for row in rows(db) if row["endpoint"] == "/v1/messages"]
    assert [(row["status"], row["rule"]) for row in refused] == [(402, "team-cap")]
