"""Terminal `keys`, `limits` and `budgets` against the real cco server app and its database."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from cco_tui.config.limits import BudgetRule
from cco_tui.config.logs import LOG_FORMAT, MemoryLogHandler
from cco_tui.config.settings import load_config
from cco_tui.governance.counters import LocalCounters
from cco_tui.governance.governor import Governor
from cco_tui.governance.rules import RuleBook, Subject
from cco_tui.server.app import create_app
from cco_tui.store.access_keys import create_key
from cco_tui.store.connect import open_database
from cco_tui.tui.proxy_client import ProxyClient
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer, running
from tests.tui.conftest import AppFactory
from tests.tui.test_terminal import output_text, run_command

SETTINGS = {
    "limits": [{"name": "team-rpm", "per": "project", "rpm": 1}],
    "budgets": [{"name": "web-monthly", "project": "web", "usd": 5, "period": "month"}],
}


async def test_keys_limits_and_budgets(
    make_app: AppFactory, tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    db = tmp_path / "live.db"
    open_database(db)
    key, token = create_key("web", "laptop", rpm=10, budget=(2.5, "day"))
    config = load_config(str(write_config(tmp_path / "config", fake_upstream[1].url, SETTINGS)))
    with running(create_app(config, db)) as server:
        body = {"model": "claude-sonnet-4-6", "max_tokens": 16, "messages": [{"role": "user", "content": "x"}]}
        statuses = [
            httpx.post(
                server.url + "/v1/messages", json={**body, "max_tokens": n}, headers={"x-api-key": token}
            ).status_code
            for n in (16, 17)
        ]
        app = make_app(db, server.url)
        async with app.run_test(size=(220, 50)) as pilot:
            await pilot.press("3")
            for command in ("keys", "limits", "budgets"):
                await run_command(pilot, command)
            text = output_text(app)
    assert statuses == [200, 429]
    assert f"{key.id} web laptop 10 - $2.5/day" in text
    assert token not in text
    assert "team-rpm web 1/1" in text
    assert "web-monthly * $0.0003 of" in text and "$5/month" in text  # 25 in + 12 out at $3/$15 per MTok
    assert f"key {key.id} token $0.0003 of" in text and "$2.5/day" in text


async def test_budget_warning_becomes_a_notification(make_app: AppFactory, seeded_db: Path) -> None:
    handler = MemoryLogHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger = logging.getLogger("cco.governance")
    logger.addHandler(handler)
    budget = BudgetRule("team-daily", usd=1.0, period="day")
    governor = Governor(RuleBook((), (budget,)), LocalCounters(), load_config().pricing, lambda *_: 0.0)
    app = make_app(seeded_db, "http://127.0.0.1:9", log_handler=handler)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            ticket = await governor.admit(Subject("claude-haiku-4-5", "web"), None, 10, 10)
            assert ticket is not None
            ticket.close(20, 0.85)  # 85% of the day's dollar
            await pilot.pause()
            await pilot.pause()
            messages = [notification.message for notification in app._notifications]
    finally:
        logger.removeHandler(handler)
    assert any("team-daily" in message and "80%" in message for message in messages), messages


async def test_dashboard_reaches_the_api_of_a_token_server_with_its_own_secret(
    make_app: AppFactory, tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    settings = {**SETTINGS, "auth": "tokens"}
    config = load_config(str(write_config(tmp_path / "config", fake_upstream[1].url, settings)))
    cco_app = create_app(config, tmp_path / "live.db")
    secret = cco_app.extensions["cco"].dashboard_token
    with running(cco_app) as server:
        outsider = make_app(tmp_path / "live.db", server.url)
        async with outsider.run_test(size=(160, 50)) as pilot:
            await pilot.press("3")
            await run_command(pilot, "limits")
            refused = output_text(outsider)
        own = make_app(tmp_path / "live.db", server.url, proxy=ProxyClient(server.url, token=secret))
        async with own.run_test(size=(160, 50)) as pilot:
            await pilot.press("3")
            await run_command(pilot, "limits")
            shown = output_text(own)
    assert "HTTP 401" in refused
    assert "team-rpm" in shown and "HTTP 401" not in shown
