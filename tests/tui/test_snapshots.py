"""Screenshots of each tab on the fixed seeded database with a frozen clock, at 80x24 and 120x40.

The header shows a fixed address while the app talks to the management API on a real loopback port, so the
pictures do not depend on which port the test server got. Update with `--snapshot-update` after checking.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot

from cco_tui.app import CcoApp
from cco_tui.tui.proxy_client import ProxyClient
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import DISPLAY_URL, AppFactory, settle
from tests.tui.seed import history

TAB_KEYS = {"current": "1", "machine": "2", "terminal": "3"}
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
TERMINAL_SESSION = ("stats", "cache stats", "frobnicate")


# The pictures include the header's health line: on a loaded machine the product's short timeouts could turn it
# into "server unreachable", so the snapshots' client waits longer.
PATIENT = httpx.Timeout(30.0)


def build(make_app: AppFactory, db: Path, server: ThreadedServer) -> CcoApp:
    return make_app(db, DISPLAY_URL, proxy=ProxyClient(server.url, timeout=PATIENT))


async def show_tab(pilot: Pilot[None], tab: str) -> None:
    app = pilot.app
    assert isinstance(app, CcoApp)
    app.terminal.command_input.cursor_blink = False
    await settle(pilot)
    await pilot.press(TAB_KEYS[tab])
    await settle(pilot)
    # Tables size their columns on the refresh after their rows arrive: on a loaded machine the picture could be
    # taken in between, so give that refresh time to happen.
    await pilot.pause(0.2)
    await settle(pilot)
    if tab == "terminal":
        for line in TERMINAL_SESSION:
            app.terminal.command_input.value = line
            await pilot.press("enter")
            await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tab", TAB_KEYS)
def test_tab(
    snap_compare: object,
    make_app: AppFactory,
    seeded_db: Path,
    fake_cco: ThreadedServer,
    tab: str,
    size: str,
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await show_tab(pilot, tab)

    app = build(make_app, seeded_db, fake_cco)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)  # type: ignore[operator]
    assert len(history()) == 1500  # the pictures are of this exact history


def test_empty_current_project(
    snap_compare: object, make_app: AppFactory, empty_db: Path, fake_cco: ThreadedServer
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await show_tab(pilot, "current")

    app = build(make_app, empty_db, fake_cco)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_cache_clear_confirmation(
    snap_compare: object, make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await show_tab(pilot, "current")
        await pilot.press("c")
        await pilot.pause(0.1)

    app = build(make_app, seeded_db, fake_cco)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]
