"""Budgets through a real cco process: never overshot under concurrency, survive a restart, billing_error."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer
from tests.governance.helpers import OWN_KEY, body, create_key, rows
from tests.governance.test_limits import send_all

MAX_TOKENS = 1000
# claude-sonnet-4-6: $3 input, $15 output per MTok. Each answer uses all of max_tokens: $0.015075.
COST = (25 * 3 + MAX_TOKENS * 15) / 1_000_000
BUDGET = 0.1


def full_answer(received: Received) -> Reply:
    usage = {"input_tokens": 25, "output_tokens": MAX_TOKENS}
    return Reply(body=message(usage=usage), head_delay_s=0.3)


@pytest.fixture
def budget_config(fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path) -> Path:
    fake_upstream[0].responder = full_answer
    budget = {"name": "web-daily", "project": "web", "usd": BUDGET, "period": "day"}
    return write_config(tmp_path / "config", fake_upstream[1].url, {"budgets": [budget]})


def spent(db: Path) -> float:
    return sum(row["cost_usd"] or 0 for row in rows(db, "project = 'web'"))


def test_50_concurrent_requests_never_overshoot(budget_config: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    db = tmp_path / "cco.db"
    headers = {"x-api-key": "sk-ant-user", "x-cco-project": "web"}
    with headless_cco(budget_config, db) as cco:
        payloads = [body(f"spend {n}", MAX_TOKENS) for n in range(50)]
        answers = asyncio.run(send_all(cco.url, payloads, headers))
        other = httpx.post(cco.url + "/v1/messages", json=body("elsewhere"), headers={"x-api-key": "sk-ant-user"})
        limits = httpx.get(cco.url + "/api/limits").json()
        assert cco.stop() == 0
    admitted = [response for response in answers if response.status_code == 200]
    refused = [response for response in answers if response.status_code != 200]
    assert len(admitted) == int(BUDGET // COST) == 6  # worst case ≈ real cost here, so all that fit ran
    assert spent(db) <= BUDGET
    assert spent(db) == pytest.approx(len(admitted) * COST)
    assert other.status_code == 200  # another project is not under this budget
    for response in refused:
        assert response.status_code == 402
        assert response.headers["x-should-retry"] == "false"
        error = response.json()["error"]
        assert error["type"] == "billing_error"
        assert "web-daily" in error["message"] and "resets at" in error["message"]
    assert all(float(response.headers["x-cco-budget-remaining"]) >= 0 for response in admitted)
    (budget,) = limits["rules"]["budgets"]
    assert budget["refused"] == 44 and budget["counters"][0]["spent_usd"] == pytest.approx(6 * COST)
    assert sum(1 for row in rows(db) if row["rule"] == "web-daily" and row["status"] == 402) == 44


def test_spend_survives_a_restart(budget_config: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    db = tmp_path / "cco.db"
    headers = {"x-api-key": "sk-ant-user", "x-cco-project": "web"}

    def post(url: str, text: str) -> int:
        return httpx.post(url + "/v1/messages", json=body(text, MAX_TOKENS), headers=headers, timeout=30).status_code

    with headless_cco(budget_config, db) as cco:
        first = [post(cco.url, f"before {n}") for n in range(4)]
        assert cco.stop() == 0
    with headless_cco(budget_config, db) as cco:
        second = [post(cco.url, f"after {n}") for n in range(4)]
        assert cco.stop() == 0
    assert first == [200] * 4
    assert second == [200, 200, 402, 402]
    assert spent(db) <= BUDGET


def test_token_budget(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    db = tmp_path / "cco.db"
    key = create_key(db, "web", "--budget", "0.02/month")
    fake.responder = full_answer
    with headless_cco(config_dir, db, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:
        answers: list[Any] = [
            httpx.post(cco.url + "/v1/messages", json=body(f"t{n}", MAX_TOKENS), headers={"x-api-key": key["token"]})
            for n in range(3)
        ]
    assert [response.status_code for response in answers] == [200, 402, 402]
    assert f"key {key['id']}" in answers[1].json()["error"]["message"]
