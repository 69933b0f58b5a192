"""The app shell and the dashboard tabs, driven through Textual's pilot against real databases and servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from cco_tui.app import CcoApp
from cco_tui.screens.dialogs.help import HelpScreen
from cco_tui.tui.formatting import shorten
from cco_tui.widgets.chart import ChartPanel
from cco_tui.widgets.metric_card import MetricCard
from cco_tui.widgets.rows_table import RowsTable
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import MESSAGE_HEADERS, AppFactory, message_body, settle
from tests.tui.seed import NOW, history


def card_text(app: CcoApp, card_id: str) -> str:
    return str(app.query_one(f"#{card_id}", MetricCard).content)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_number_keys_switch_tabs(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.tabs.active == "current"
        await pilot.press("2")
        await settle(pilot)
        assert app.tabs.active == "machine"
        assert card_text(app, "machine-calls").startswith(f"{len(history()):,}")
        await pilot.press("3")
        assert app.tabs.active == "terminal"
        assert app.focused is app.terminal.command_input


async def test_keys_type_into_the_command_line_until_escape(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3", "1", "q")
        assert app.tabs.active == "terminal"
        assert app.terminal.command_input.value == "1q"
        await pilot.press("escape", "1")
        assert app.tabs.active == "current"
        assert app.is_running


async def test_q_quits(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_current_project_shows_the_seeded_history(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    today = [r for r in history() if r.project == "cco" and r.ts_start >= NOW - 15.5 * 3600]
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert card_text(app, "card-calls").startswith(f"{len(today):,}\n")
        table = app.query_one("#recent-table", RowsTable)
        assert table.row_count == 50
        newest = max((r for r in history() if r.project == "cco"), key=lambda r: r.ts_start)
        assert str(table.get_row_at(0)[1]) == shorten(newest.model, 28)
        assert not app.current_pane.has_class("-empty")


async def test_t_switches_the_cost_chart_between_hours_and_days(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chart = app.query_one("#cost-chart", ChartPanel).chart
        assert chart is not None and chart.labels[0] == "00:00" and len(chart.labels) == 16
        await pilot.press("t")
        await settle(pilot)
        chart = app.query_one("#cost-chart", ChartPanel).chart
        assert chart is not None and len(chart.labels) == 30 and chart.labels[-1] == "11-20"


async def test_empty_database_explains_what_to_do(
    make_app: AppFactory, empty_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(empty_db, "http://127.0.0.1:8123")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_pane.has_class("-empty")
        message = str(app.current_pane.query_one(".empty-state").content)  # type: ignore[attr-defined]
        assert "point Claude Code at http://127.0.0.1:8123" in message
        assert "ANTHROPIC_BASE_URL=http://127.0.0.1:8123" in message


async def test_header_shows_address_server_state_and_viewer_mode(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(seeded_db, fake_cco.url, viewer_mode=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.title == "cco · viewer mode"
        assert app.sub_title == f"{fake_cco.url} · up 1h 02m · 12 cached (3.2 MB)"


async def test_unreachable_server_is_said_plainly(make_app: AppFactory, seeded_db: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    app = make_app(seeded_db, url)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.sub_title == f"{url} · server unreachable"
        assert app.title == "cco"


async def test_refresh_shows_requests_that_went_through_the_proxy(
    make_app: AppFactory, live_db: Path, real_cco: ThreadedServer
) -> None:
    app = make_app(live_db, real_cco.url, clock=time.time)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert card_text(app, "card-calls").startswith("0\n")
        for text in ("first", "second", "third"):
            reply = httpx.post(real_cco.url + "/v1/messages", json=message_body(text), headers=MESSAGE_HEADERS)
            assert reply.status_code == 200
        await refresh_until(pilot, lambda: card_text(app, "card-calls").startswith("3\n"))
        table = app.query_one("#recent-table", RowsTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["claude-sonnet-4-5"] * 3
        assert not app.current_pane.has_class("-empty")


async def refresh_until(pilot: Pilot[None], condition: Callable[[], bool], attempts: int = 100) -> None:
    """Press r until the (asynchronously written) rows show up; the writer commits within ~200 ms."""
    for _ in range(attempts):
        await pilot.press("r")
        await settle(pilot)
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the dashboard never showed the new requests")


async def test_help_opens_and_closes(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_the_actions(make_app: AppFactory, seeded_db: Path) -> None:
    app = make_app(seeded_db, "http://127.0.0.1:9")
    async with app.run_test():
        titles = {command.title for command in app.get_system_commands(app.screen)}
    expected = {"Refresh now", "Clear response cache", "Export requests", "Toggle hours/days", "Help"}
    assert expected | {"Current Project tab", "Machine-Wide tab", "Terminal tab"} <= titles


async def test_worker_failure_becomes_a_notification(make_app: AppFactory, tmp_path: Path) -> None:
    not_a_database = tmp_path / "cco.db"
    not_a_database.write_bytes(b"this is not sqlite" * 100)
    app = make_app(not_a_database, "http://127.0.0.1:9")
    notes: list[str] = []

    def watch(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(message_hook=watch) as pilot:
        await settle(pilot)
        assert app.is_running
    assert any(note.startswith("current: ") for note in notes), notes
