"""Subscription (OAuth) traffic passes through untouched and is recorded as such; the plan and rate-limit
headers of the answers become per-credential meters at GET /api/limits and in the database."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anthropic
import httpx
import pytest

from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.plan_limits import (
    API_KEY,
    OAUTH_BETA,
    OAUTH_TOKEN,
    api_key_headers,
    subscription_gate,
    unified_headers,
)
from tests.fakes.process import CcoProcess, headless_cco

FIVE_HOUR_RESET = int(time.time()) + 2 * 3600
SEVEN_DAY_RESET = int(time.time()) + 4 * 86400
API_RESET = "2026-12-04T18:00:00Z"
QUESTIONS = itertools.count()


class Plan:
    """The utilization the fake upstream reports next (tests raise it between requests)."""

    def __init__(self) -> None:
        self.five_hour, self.seven_day = 0.42, 0.18

    def headers(self) -> dict[str, str]:
        return unified_headers(self.five_hour, self.seven_day, FIVE_HOUR_RESET, SEVEN_DAY_RESET)


@pytest.fixture
def plan(fake: FakeAnthropic) -> Plan:
    plan = Plan()
    fake.responder = subscription_gate(plan.headers, api_key_headers(API_RESET))
    return plan


@pytest.fixture
def served(config_dir: Path, tmp_path: Path, plan: Plan) -> Iterator[CcoProcess]:
    with headless_cco(config_dir, tmp_path / "meters.db") as cco:
        yield cco


def subscriber(url: str, beta: bool = True) -> anthropic.Anthropic:
    """Claude Code on a Pro/Max plan: an OAuth bearer token and the OAuth beta flag."""
    headers = {"anthropic-beta": OAUTH_BETA} if beta else {}
    return anthropic.Anthropic(base_url=url, auth_token=OAUTH_TOKEN, default_headers=headers, max_retries=0)


def ask(client: anthropic.Anthropic) -> None:
    """A new question each time, so cco's cache never answers in the upstream's place."""
    question = f"question {next(QUESTIONS)}"
    with client.messages.stream(
        model="claude-sonnet-4-6", max_tokens=20, messages=[{"role": "user", "content": question}]
    ) as stream:
        stream.until_done()


def ask_once(url: str, beta: bool = True) -> None:
    with subscriber(url, beta) as client:
        ask(client)


def rows(db: Path, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql))


def test_oauth_request_keeps_its_token_and_beta_flag_and_is_billed_to_the_subscription(
    served: CcoProcess, fake: FakeAnthropic, tmp_path: Path
) -> None:
    ask_once(served.url)
    upstream = fake.last.headers
    assert upstream["authorization"] == f"Bearer {OAUTH_TOKEN}"
    assert OAUTH_BETA in upstream["anthropic-beta"].split(",")
    with pytest.raises(anthropic.AuthenticationError):  # the gate is real: without the flag, a 401
        ask_once(served.url, beta=False)
    assert served.stop() == 0
    db = tmp_path / "meters.db"
    recorded = rows(db, "SELECT billing, status, cost_usd FROM request ORDER BY id")
    assert [(r["billing"], r["status"]) for r in recorded] == [("subscription", 200), ("subscription", 401)]
    assert recorded[0]["cost_usd"] > 0  # API-equivalent cost, shown as not billed
    assert OAUTH_TOKEN.encode() not in db.read_bytes()


def test_unified_headers_become_the_credentials_plan_meters(served: CcoProcess, tmp_path: Path) -> None:
    ask_once(served.url)
    credentials = httpx.get(served.url + "/api/limits").json()["credentials"]
    assert len(credentials) == 1
    meter = credentials[0]
    assert meter["kind"] == "subscription"
    assert meter["five_hour"] == {"utilization": 42.0, "resets_at": iso(FIVE_HOUR_RESET)}
    assert meter["seven_day"] == {"utilization": 18.0, "resets_at": iso(SEVEN_DAY_RESET)}
    assert (meter["status"], meter["representative_claim"], meter["overage_status"]) == (
        "allowed",
        "five_hour",
        "rejected",
    )
    assert OAUTH_TOKEN not in str(meter) and len(meter["id"]) == 16
    assert served.stop() == 0
    (stored,) = rows(tmp_path / "meters.db", "SELECT id, kind FROM credential_meter")
    assert (stored["id"], stored["kind"]) == (meter["id"], "subscription")


def test_api_key_limits_are_a_separate_credential(served: CcoProcess, tmp_path: Path) -> None:
    ask_once(served.url)
    httpx.post(
        served.url + "/v1/messages",
        headers={"x-api-key": API_KEY},
        json={"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    ).raise_for_status()
    by_kind = {c["kind"]: c for c in httpx.get(served.url + "/api/limits").json()["credentials"]}
    api = by_kind["api"]
    assert api["requests"] == {"limit": 4000, "remaining": 3999, "resets_at": "2026-12-04T18:00:00+00:00"}
    assert api["input_tokens"]["remaining"] == 399_000 and api["output_tokens"]["limit"] == 80_000
    assert api["id"] != by_kind["subscription"]["id"]
    assert served.stop() == 0
    billing = [r["billing"] for r in rows(tmp_path / "meters.db", "SELECT billing FROM request ORDER BY id")]
    assert billing == ["subscription", "api"]


def test_crossing_80_and_95_percent_is_logged_once_each(served: CcoProcess, plan: Plan) -> None:
    with subscriber(served.url) as client:
        ask(client)
        plan.five_hour = 0.83
        ask(client)
        ask(client)  # still above 80 %: no second warning
        plan.five_hour = 0.96
        ask(client)
    assert served.stop() == 0
    warnings = [line for line in served.log().splitlines() if "plan limit" in line]
    assert len(warnings) == 2, warnings
    assert "used 83% of its 5-hour window (crossed 80%)" in warnings[0]
    assert "crossed 95%" in warnings[1]


def test_meters_survive_a_restart_under_the_same_id(config_dir: Path, tmp_path: Path, plan: Plan) -> None:
    db = tmp_path / "restart.db"
    with headless_cco(config_dir, db) as cco:
        ask_once(cco.url)
        before = httpx.get(cco.url + "/api/limits").json()["credentials"]
        assert cco.stop() == 0
    with headless_cco(config_dir, db) as cco:
        assert httpx.get(cco.url + "/api/limits").json()["credentials"] == before  # restored from the database
        plan.five_hour = 0.5
        ask_once(cco.url)
        after = httpx.get(cco.url + "/api/limits").json()["credentials"]
        assert [c["id"] for c in after] == [before[0]["id"]]
        assert after[0]["five_hour"]["utilization"] == 50.0


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")


def test_cco_stats_shows_subscription_cost_limits_and_blocks(served: CcoProcess, tmp_path: Path) -> None:
    ask_once(served.url)
    assert served.stop() == 0
    db = str(tmp_path / "meters.db")
    text = cco_cli("stats", "--db", db)
    assert "subscription  1 requests, $" in text and "at API prices (not billed)" in text
    assert "limits        Plan  5h 42% · resets " in text and " · 7d 18%" in text
    assert "5-hour blocks, all projects" in text
    report = json.loads(cco_cli("stats", "--db", db, "--json"))
    assert report["subscription"]["requests"] == 1 and report["subscription"]["cost_usd"] > 0
    assert report["limits"][0]["five_hour"]["utilization"] == 42.0
    assert report["blocks"][-1]["requests"] == 1
    exported = json.loads(cco_cli("export", "--db", db, "--format", "json"))
    assert [row["billing"] for row in exported] == ["subscription"]


def cco_cli(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "cco_tui", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout
