"""The Terminal tab: commands, history, completion and the live log, through the pilot."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import RichLog

from cco_tui.app import CcoApp
from cco_tui.logs import MemoryLogHandler
from cco_tui.store.queries import EXPORT_COLUMNS
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import AppFactory, settle
from tests.tui.seed import history


def output_text(app: CcoApp) -> str:
    """What the output log shows, with runs of whitespace (wrapping, table padding) made single spaces."""
    return " ".join(" ".join(line.text for line in app.query_one("#terminal-output", RichLog).lines).split())


async def run_command(pilot: Pilot[None], line: str) -> None:
    app = pilot.app
    assert isinstance(app, CcoApp)
    app.terminal.command_input.value = line
    await pilot.press("enter")
    await settle(pilot)


@pytest.fixture
def log_handler() -> Iterator[MemoryLogHandler]:
    handler = MemoryLogHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("cco.tui-test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


async def test_unknown_command_gets_a_helpful_message(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "frobnicate now")
        await run_command(pilot, "stat")
        await run_command(pilot, 'export "unterminated')
        text = output_text(app)
        assert "Unknown command 'frobnicate'. Type 'help' to see what cco understands." in text
        assert "Unknown command 'stat'. Did you mean 'stats'?" in text
        assert "Could not read that line" in text
        assert app.is_running


async def test_stats_projects_and_version(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    cco_rows = [r for r in history() if r.project == "cco"]
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "stats")
        await run_command(pilot, "stats all")
        await run_command(pilot, "projects")
        await run_command(pilot, "version")
        text = output_text(app)
        assert f"Project cco requests {len(cco_rows):,}" in text
        assert f"All projects requests {len(history()):,}" in text
        for name in ("cco", "webapp", "data-pipeline", "docs-site"):
            assert f" {name} " in text
        assert "cco 2026.11.1" in text


async def test_routes_pricing_and_health(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "routes")
        await run_command(pilot, "pricing claude-sonnet-4-5-20250929")
        await run_command(pilot, "pricing no-such-model")
        await run_command(pilot, "health")
        text = output_text(app)
        assert "https://api.anthropic.com/v1" in text
        assert "claude-sonnet-4-5-20250929 → claude-sonnet-4-5" in text
        assert "No price for 'no-such-model'" in text
        assert f"{fake_cco.url}: ok, version 2026.11.1, up 1h 02m" in text


async def test_export_from_the_terminal_writes_json(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "requests.json"
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, f"export json {target}")
        assert f"Exported {len(history())} requests to {target}" in output_text(app)
    rows = json.loads(target.read_text())
    assert len(rows) == len(history())
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert "sk-" not in target.read_text()


async def test_logs_shows_the_tail_then_follows_until_off(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, log_handler: MemoryLogHandler
) -> None:
    logger = logging.getLogger("cco.tui-test")
    logger.info("before the dashboard opened")
    app = make_app(seeded_db, fake_cco.url, log_handler=log_handler)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "logs 5")
        assert "INFO cco.tui-test: before the dashboard opened" in output_text(app)
        writer = threading.Thread(target=logger.warning, args=("from another thread",))
        writer.start()
        writer.join()
        logger.error("from the UI thread")
        await settle(pilot)
        assert "WARNING cco.tui-test: from another thread" in output_text(app)
        assert "ERROR cco.tui-test: from the UI thread" in output_text(app)
        await run_command(pilot, "logs off")
        logger.info("after logs off")
        await settle(pilot)
        assert "after logs off" not in output_text(app)


async def test_history_and_tab_completion(make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        command_line = app.terminal.command_input
        await pilot.press("v", "e", "r", "tab")
        assert command_line.value == "version "
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c", "a", "tab", "tab")
        assert command_line.value == "cache "
        assert output_text(app).endswith("cache stats cache clear")
        await pilot.press("s", "tab", "enter")
        await settle(pilot)
        await pilot.press("s", "t", "a", "tab", "w", "tab")
        assert command_line.value == "stats webapp "
        command_line.value = ""
        await pilot.press("up")
        assert command_line.value == "cache stats"
        await pilot.press("up")
        assert command_line.value == "version"
        await pilot.press("down", "down")
        assert command_line.value == ""
