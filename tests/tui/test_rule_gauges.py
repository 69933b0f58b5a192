"""Budgets and rate limits shown as gauges: Current Project has its project's, Machine-Wide all of them, read from
the real cco's /api/limits after real requests went through it (issue 11)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from cco_tui.tui.rule_gauges import gauge, rule_lines
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer, running
from tests.tui.conftest import CURRENT_PROJECT, AppFactory, message_body, settle

RULES = {
    "budgets": [{"name": "team-daily", "project": "*", "per": "project", "usd": 5, "period": "day"}],
    "limits": [{"name": "claude-rpm", "model": "claude-*", "project": "*", "per": "project", "rpm": 50}],
}


@pytest.fixture
def governed_cco(
    tmp_path: Path, live_db: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> Iterator[ThreadedServer]:
    config = load_config(str(write_config(tmp_path / "config", fake_upstream[1].url, RULES)))
    with running(create_app(config, live_db)) as server:
        yield server


def send(url: str, project: str) -> None:
    headers = {"x-api-key": "sk-ant-gauges", "anthropic-version": "2023-06-01", "x-cco-project": project}
    httpx.post(url + "/v1/messages", json=message_body(project), headers=headers, timeout=30).raise_for_status()


def test_gauge_is_clamped_and_labelled() -> None:
    assert gauge(3, 10) == "███░░░░░░░ 30%"
    assert gauge(25, 10) == "██████████ 250%"


async def test_tabs_show_each_projects_budget_and_limit(
    make_app: AppFactory, live_db: Path, governed_cco: ThreadedServer
) -> None:
    send(governed_cco.url, CURRENT_PROJECT)
    send(governed_cco.url, "other")
    rules = httpx.get(governed_cco.url + "/api/limits", timeout=10).json()["rules"]
    assert len(rule_lines(rules)) == 4  # a budget and a limit counter for each of the two projects
    app = make_app(live_db, governed_cco.url, clock=time.time)
    async with app.run_test(size=(140, 50)) as pilot:
        app.refresh_data()
        await settle(pilot)
        app.poll_server()  # the management API is read by the same poll that fills the header
        await settle(pilot)
        current = str(app.query_one("#rule-gauges", Static).content)
        machine = str(app.query_one("#machine-rules", Static).content)
    assert f"budget team-daily · {CURRENT_PROJECT}" in current and f"limit claude-rpm · {CURRENT_PROJECT}" in current
    assert "1/50 rpm" in current and "of $5.00/day" in current
    assert "· other" not in current
    assert "budget team-daily · other" in machine and "limit claude-rpm · other" in machine
