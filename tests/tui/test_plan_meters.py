"""The Current Project and Machine-Wide tabs show the plan meters and the 5-hour block of subscription traffic
that went through the real cco to a fake upstream answering with Anthropic's plan headers; crossing 80 % of a
window raises one notification."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Static

from cco_tui.app import CcoApp
from cco_tui.widgets.metric_card import MetricCard
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.plan_limits import OAUTH_BETA, OAUTH_TOKEN, api_key_headers, subscription_gate, unified_headers
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import CURRENT_PROJECT, AppFactory, message_body, settle
from tests.tui.test_app import refresh_until

SUBSCRIBER = {
    "authorization": f"Bearer {OAUTH_TOKEN}",
    "anthropic-beta": f"claude-code-20250219,{OAUTH_BETA}",
    "anthropic-version": "2023-06-01",
    "x-cco-project": CURRENT_PROJECT,
}


class Plan:
    def __init__(self) -> None:
        self.five_hour = 0.42
        self.resets = int(time.time()) + 3 * 3600

    def headers(self) -> dict[str, str]:
        return unified_headers(self.five_hour, 0.18, self.resets, self.resets + 3 * 86400)


def clock(epoch: float) -> str:
    """HH:MM, with the weekday when it is not today (near midnight the reset may be tomorrow)."""
    moment = datetime.fromtimestamp(epoch)
    return moment.strftime("%H:%M" if moment.date() == datetime.now().date() else "%a %H:%M")


def line(app: CcoApp, widget_id: str) -> str:
    return str(app.query_one(f"#{widget_id}", Static).content)


def ask(url: str, text: str) -> None:
    httpx.post(url + "/v1/messages", json=message_body(text), headers=SUBSCRIBER).raise_for_status()


async def test_plan_meters_block_and_the_80_percent_warning(
    make_app: AppFactory, live_db: Path, real_cco: ThreadedServer, fake: FakeAnthropic
) -> None:
    plan = Plan()
    fake.responder = subscription_gate(plan.headers, api_key_headers("2026-12-04T18:00:00Z"))
    notes: list[str] = []

    def watch(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    app = make_app(live_db, real_cco.url, clock=time.time)
    async with app.run_test(size=(140, 44), message_hook=watch) as pilot:
        await settle(pilot)
        assert not app.query_one("#plan-meters", Static).display  # no headers seen yet: no line
        ask(real_cco.url, "first")
        await refresh_until(pilot, lambda: "5h 42%" in line(app, "plan-meters"))
        resets = clock(plan.resets)
        assert line(app, "plan-meters") == f"Plan  5h 42% · resets {resets} · 7d 18%"
        # the block is the plan's own window (reset minus five hours); 42 % two hours in: the limit comes first
        start = clock(plan.resets - 5 * 3600)
        assert line(app, "plan-block").startswith(f"5h block {start}-{resets} (all projects) ")
        assert "5h limit at this rate ≈ " in line(app, "plan-block")
        assert not [note for note in notes if "plan window" in note]
        cost = str(app.query_one("#card-cost", MetricCard).content)
        assert "plan $" in cost and ", not billed" in cost  # subscription traffic: API-equivalent, not billed
        plan.five_hour = 0.83
        ask(real_cco.url, "second")
        await refresh_until(pilot, lambda: "5h 83%" in line(app, "plan-meters"))
        await pilot.press("2")
        await refresh_until(pilot, lambda: "5h 83%" in line(app, "machine-plan"))
    warnings = [note for note in notes if "plan window" in note]
    assert warnings == ["5h plan window at 83% (past 80%)"]
