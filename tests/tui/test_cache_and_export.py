"""Clearing the response cache (keyboard and Terminal, with confirmation) and exporting, over real HTTP.

`management_server` runs either the stand-in management API or the real cco server (with one cached answer);
both must behave the same through the dashboard.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RichLog

from cco_tui.app import CcoApp
from cco_tui.screens.dialogs.confirm import ConfirmScreen
from cco_tui.screens.dialogs.export import ExportScreen
from cco_tui.store.export import EXPORT_COLUMNS
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import MESSAGE_HEADERS, AppFactory, message_body, settle
from tests.tui.seed import history


def cached_entries(server: ThreadedServer) -> int:
    return int(httpx.get(server.url + "/api/cache/stats").json()["entries"])


@pytest.fixture(params=["stand-in", "real"])
def management_server(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    server: ThreadedServer = request.getfixturevalue("fake_cco" if request.param == "stand-in" else "real_cco")
    if request.param == "real":
        for _ in range(2):  # a miss that stores the answer, then a hit
            reply = httpx.post(server.url + "/v1/messages", json=message_body(), headers=MESSAGE_HEADERS)
            assert reply.status_code == 200
    assert cached_entries(server) > 0
    yield server


async def wait_for_dialog(pilot: Pilot[None], rounds: int = 200) -> ConfirmScreen:
    for _ in range(rounds):
        if isinstance(pilot.app.screen, ConfirmScreen):
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError("no confirmation dialog appeared")


async def test_c_clears_the_cache_after_confirmation(
    make_app: AppFactory, seeded_db: Path, management_server: ThreadedServer
) -> None:
    app = make_app(seeded_db, management_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await wait_for_dialog(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert cached_entries(management_server) == 0
        assert " · 0 cached (0 B)" in app.sub_title


async def test_cancelling_the_confirmation_keeps_the_cache(
    make_app: AppFactory, seeded_db: Path, management_server: ThreadedServer
) -> None:
    before = cached_entries(management_server)
    app = make_app(seeded_db, management_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        await wait_for_dialog(pilot)
        await pilot.press("enter")  # the focused button is the safe one
        await settle(pilot)
        await pilot.press("c")
        await wait_for_dialog(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
    assert cached_entries(management_server) == before


async def test_cache_clear_from_the_terminal(
    make_app: AppFactory, seeded_db: Path, management_server: ThreadedServer
) -> None:
    app = make_app(seeded_db, management_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        app.terminal.command_input.value = "cache clear"
        await pilot.press("enter")
        dialog = await wait_for_dialog(pilot)
        assert "Clear the response cache?" in str(dialog.query_one(".dialog-question").content)  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(pilot)
        app.terminal.command_input.value = "cache stats"
        await pilot.press("enter")
        await settle(pilot)
        text = " ".join(" ".join(line.text for line in app.query_one("#terminal-output", RichLog).lines).split())
    assert "Cache cleared:" in text and "entries removed." in text
    assert "Response cache entries 0 size 0 B" in text
    assert cached_entries(management_server) == 0


async def test_e_exports_every_request_to_csv(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "export.csv"
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        path_input = app.screen.query_one("#export-path", Input)
        assert path_input.value.endswith(".csv")
        path_input.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert len(rows) == len(history()) + 1


async def test_cache_commands_say_when_the_server_is_gone(make_app: AppFactory, seeded_db: Path) -> None:
    app: CcoApp = make_app(seeded_db, "http://127.0.0.1:9")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        app.terminal.command_input.value = "cache stats"
        await pilot.press("enter")
        await settle(pilot)
        text = "\n".join(line.text for line in app.query_one("#terminal-output", RichLog).lines)
    assert "cco server at http://127.0.0.1:9 is unreachable" in text


async def test_header_count_follows_a_terminal_cache_clear_at_once(
    make_app: AppFactory, seeded_db: Path, management_server: ThreadedServer
) -> None:
    """QA: the header said "6 cached" up to 5 s after `cache clear`: the key and the command share one flow,
    which refreshes the header (the test app never refreshes on a timer)."""
    app = make_app(seeded_db, management_server.url)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert " 0 cached" not in app.sub_title
        await pilot.press("3")
        app.terminal.command_input.value = "cache clear"
        await pilot.press("enter")
        await wait_for_dialog(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert cached_entries(management_server) == 0
        assert " 0 cached" in app.sub_title, app.sub_title


async def test_e_exports_next_to_the_database_and_says_where(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        chosen = Path(app.screen.query_one("#export-path", Input).value)
        await pilot.press("enter")
        await settle(pilot)
        told = [notification.message for notification in app._notifications]
    assert chosen.parent == seeded_db.parent / "exports"
    assert chosen.is_file()
    assert f"Exported {len(history())} requests to {chosen}" in told
