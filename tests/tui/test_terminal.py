"""The Terminal tab: commands, history, completion and the live log, through the pilot."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import RichLog

from cco_tui.app import CcoApp
from cco_tui.config.logs import MemoryLogHandler
from cco_tui.config.settings import load_config
from cco_tui.store.export import EXPORT_COLUMNS
from cco_tui.tui.exporting import export_dir
from tests.conftest import write_config
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import AppFactory, screen_text, settle
from tests.tui.seed import NOW, history, record, write_records


def unwrapped(text: str) -> str:
    """`text` without any whitespace: long paths fold across output lines."""
    return "".join(text.split())


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
        assert "cco 2026.12.1" in text


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
        assert "claude-sonnet-4-5-20250929 3 15 3.75 0.3 → claude-sonnet-4-5" in text  # the match on line 2
        assert "No price for 'no-such-model'" in text
        assert f"{fake_cco.url}: ok, version 2026.12.1, up 1h 02m" in text


async def test_export_from_the_terminal_writes_json(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "requests.json"
    target.parent.mkdir()
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


async def test_output_shows_when_the_tab_is_first_opened_after_scrolling(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: 2, End, 3, `help` ⏎ showed nothing (not even the welcome line) until the window was resized."""
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(80, 30)) as pilot:  # tall enough for the welcome line above the whole help
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("end", "3", *"help", "enter")
        await settle(pilot)
        shown = screen_text(app)
    assert "cco terminal: type 'help' for commands." in shown
    assert "cco> help" in shown
    assert "stats [PROJECT|all]" in shown


@pytest.fixture
def spaced_db(tmp_path: Path) -> Path:
    path = tmp_path / "spaced.db"
    write_records(path, [record(NOW - 600, project="my project (v2)"), record(NOW - 300, project="my-tool")])
    return path


async def test_stats_my_tab_enter_shows_the_project(
    make_app: AppFactory, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    """QA: `stats my` + Tab gave `stats my project (v2)` unquoted, and Enter said "Too many arguments"."""
    db = tmp_path / "one.db"
    write_records(db, [record(NOW - 600, project="my project (v2)"), record(NOW - 300, project="webapp")])
    app = make_app(db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press(*"stats my", "tab", "enter")
        await settle(pilot)
        text = output_text(app)
    assert "cco> stats 'my project (v2)'" in text
    assert "Project my project (v2) requests 1" in text
    assert "Too many arguments" not in text


async def test_completing_among_quoted_and_plain_names(
    make_app: AppFactory, spaced_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(spaced_db, fake_cco.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        command_line = app.terminal.command_input
        await pilot.press(*"stats my", "tab")
        assert command_line.value == "stats my"  # two candidates: what was typed stays
        assert output_text(app).endswith("stats my-tool stats 'my project (v2)'")  # latest activity first
        command_line.value = ""
        await pilot.press(*"stats 'my p", "tab")
        assert command_line.value == "stats 'my project (v2)' "
        await pilot.press("enter")
        await settle(pilot)
        text = output_text(app)
    assert "Project my project (v2) requests 1" in text
    assert "Too many arguments" not in text


async def test_export_without_a_path_lands_next_to_the_database(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not into the working directory (usually the user's repository), nor the user data directory when the
    database is elsewhere (QA: with --db X the file went to the data dir and nothing said so)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    repository = tmp_path / "repository"
    repository.mkdir()
    monkeypatch.chdir(repository)
    expected = seeded_db.parent / "exports" / "cco-export-20261120-153000.csv"
    assert export_dir(seeded_db) == expected.parent
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "export csv")
        text = output_text(app)
    assert unwrapped(f"Exported {len(history())} requests to {expected}") in unwrapped(text)
    assert expected.is_file()
    assert list(repository.iterdir()) == []
    assert not (tmp_path / "data").exists()


async def test_export_into_a_missing_folder_says_so_and_creates_nothing(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, f"export csv {target}")
        text = output_text(app)
    assert unwrapped(f"Cannot export to {target}: the folder {target.parent} does not exist.") in unwrapped(text)
    assert not (tmp_path / "nonexistent").exists()


async def test_routes_are_readable_at_80_columns(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    """QA: the endpoint column was cut to `http://127.0…` at 80 columns."""
    routes: list[dict[str, Any]] = [
        {
            "pattern": "^claude-",
            "provider": "anthropic",
            "endpoint": "https://api.anthropic.com/v1",
            "timeout_ms": 600000,
            "fallbacks": ["ollama/qwen2.5-coder:32b", "gpt-4o-mini"],
        },
        {
            "pattern": "ollama/*",
            "provider": "ollama",
            "endpoint": "http://127.0.0.1:11434/v1",
            "model": "\\1",
            "timeout_ms": 600000,
        },
        {"pattern": "gpt-*", "provider": "openai", "endpoint": "https://api.openai.com/v1", "timeout_ms": 300000},
    ]
    config = load_config(str(write_config(tmp_path / "config", fake_cco.url, routes=routes)))
    app = make_app(seeded_db, fake_cco.url)
    app.context = replace(app.context, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "routes")
        text = output_text(app)
    for route in routes:
        assert f"{route['pattern']} {route['provider']} → {route['endpoint']}" in text
    assert "model (same) · fallbacks ollama/qwen2.5-coder:32b, gpt-4o-mini" in text
    assert "model \\1 · no fallbacks" in text


async def test_stats_refuses_options_and_unknown_projects(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: `stats --json` was read as a project named --json, and `stats nosuch` printed zeros."""
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "stats --json")
        options = output_text(app)
        await run_command(pilot, "clear")
        await run_command(pilot, "stats nosuch")
        unknown = output_text(app)
        await run_command(pilot, "clear")
        await run_command(pilot, "stats webap")
        close = output_text(app)
        await run_command(pilot, "clear")
        await run_command(pilot, "stats webapp")
        known = output_text(app)
    assert "'--json' is not a project" in options and "Project --json" not in options
    assert "Unknown project 'nosuch'" in unknown and "requests 0" not in unknown
    assert "Did you mean 'webapp'?" in close
    assert "Project webapp requests" in known


async def test_log_lines_show_in_the_terminal_without_asking(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, log_handler: MemoryLogHandler
) -> None:
    """The README says logs go to the Terminal tab: they did only after `logs`."""
    logger = logging.getLogger("cco.tui-test")
    app = make_app(seeded_db, fake_cco.url, log_handler=log_handler)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        logger.warning("no price for model 'x'")
        await pilot.press("3")
        await settle(pilot)
        assert "WARNING cco.tui-test: no price for model 'x'" in output_text(app)


async def test_pricing_headers_are_readable_at_80_columns(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: a long model id squeezed the headers to `inp… out… cac…`."""
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await run_command(pilot, "pricing claude-sonnet-4-5-20250929")
        shown = screen_text(app)
    header = next(line for line in shown.splitlines() if " model " in line)
    for name in ("input", "output", "cache write", "cache read"):
        assert f" {name} " in header + " ", shown
    assert "…" not in shown
