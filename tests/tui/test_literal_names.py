"""Names that arrive with requests (models, projects) are text, never Rich/Textual markup, wherever they show.

A model called `claude-[/y]` used to raise MarkupError while drawing (taking the proxy down with the app),
`[slug]` vanished and `[red]m[/red]` lost its brackets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from cco_tui.app import CcoApp
from cco_tui.screens.dialogs.export import ExportScreen
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import AppFactory, screen_text, settle
from tests.tui.seed import HOUR, NOW, record, write_records
from tests.tui.test_terminal import output_text, run_command

NAMES = ("claude-[/y]", "oops[/x]", "[red]m[/red]", "[slug]", "[@click=app.quit]q[/]")
ESCAPE = "esc\x1b[2Jape"  # an escape sequence (clear screen) must be spelled out, not sent to the terminal
SPELLED = ("esc\\x1b[2Jape",)
PROJECT = "oops[/x]"  # the project the app is started for


@pytest.fixture(scope="module")
def markup_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every name as a model of the current project and as a project of its own, all today."""
    path = tmp_path_factory.mktemp("markup") / "cco.db"
    names = (*NAMES, ESCAPE)
    rows = [record(NOW - HOUR * (i + 1), project=PROJECT, model=name) for i, name in enumerate(names)]
    rows += [record(NOW - HOUR * (i + 1) + 60, project=name, model=name) for i, name in enumerate(names)]
    write_records(path, rows)
    return path


def missing(text: str, names: tuple[str, ...] = NAMES) -> list[str]:
    return [name for name in names if name not in text]


async def test_every_tab_shows_names_literally(make_app: AppFactory, markup_db: Path, fake_cco: ThreadedServer) -> None:
    app = make_app(markup_db, fake_cco.url, project=PROJECT)
    async with app.run_test(size=(200, 100)) as pilot:
        await settle(pilot)
        for tab in ("1", "2"):
            await pilot.press(tab, "r")
            await settle(pilot)
            shown = screen_text(app)
            assert missing(shown) == [], f"tab {tab}"
            assert missing(shown, SPELLED) == [] and ESCAPE not in shown, f"tab {tab}"
        await pilot.press("3")
        for name in NAMES:
            await run_command(pilot, f"stats '{name}'")
            await run_command(pilot, f"pricing '{name}'")
        await run_command(pilot, f"stats '{ESCAPE}'")
        await run_command(pilot, "projects")
        text = output_text(app)
        assert missing(text) == []
        assert missing(text, SPELLED) == [] and ESCAPE not in text
        assert f"Project {PROJECT} requests {len(NAMES) + 2}" in text  # its models, and itself as a model
        assert "No price for '[red]m[/red]'" in text
        assert "Project [@click=app.quit]q[/] requests 1" in text
        assert app.is_running


async def test_completion_candidates_show_names_literally(
    make_app: AppFactory, markup_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(markup_db, fake_cco.url, project=PROJECT)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        app.terminal.command_input.value = "stats "
        await pilot.press("tab")
        await settle(pilot)
        assert missing(output_text(app)) == []
        assert app.is_running


async def test_notifications_show_paths_literally(
    make_app: AppFactory, markup_db: Path, fake_cco: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "[red]no such folder[/red]" / "x.csv"
    app: CcoApp = make_app(markup_db, fake_cco.url, project=PROJECT)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
    assert any(f"Cannot export to {target}" in toast for toast in toasts), toasts
    assert not target.parent.exists()
