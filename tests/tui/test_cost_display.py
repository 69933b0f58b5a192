"""How money reads on the dashboard: unpriced requests are never shown as free, sub-cent parts add up to
their total, and chart legends stay out of the bars."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget

from cco_tui.app import CcoApp
from cco_tui.costs.usage import Usage
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import AppFactory, screen_text, settle
from tests.tui.seed import HOUR, NOW, record, write_records
from tests.tui.test_terminal import output_text, run_command

UNPRICED = "mystery-model"  # in no price table
PRICED = "claude-sonnet-4-5"


@pytest.fixture(scope="module")
def unpriced_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cco: two priced and two unpriced requests today; `side`: one unpriced request."""
    path = tmp_path_factory.mktemp("unpriced") / "cco.db"
    rows = [record(NOW - HOUR * hours, model=PRICED) for hours in (1, 2)]
    rows += [record(NOW - HOUR * hours - 60, model=UNPRICED) for hours in (1, 2)]
    rows.append(record(NOW - HOUR, project="side", model=UNPRICED))
    write_records(path, rows)
    return path


@pytest.fixture(scope="module")
def pennies_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Savings of a fraction of a cent each: a cache hit worth $0.014 and a local request worth $0.024."""
    path = tmp_path_factory.mktemp("pennies") / "cco.db"
    hit = record(NOW - HOUR, model=PRICED, usage=Usage(input=4667), cache_status="hit")  # 4667 tokens at $3 per million
    local = record(NOW - HOUR / 2, model="ollama/qwen2.5-coder", usage=Usage(input=8000), provider="ollama")
    write_records(path, [hit, local])
    return path


def line_with(text: str, *parts: str) -> str:
    """The first screen line holding every one of `parts`."""
    return next((line for line in text.splitlines() if all(part in line for part in parts)), "")


def region_lines(app: CcoApp, widget: Widget) -> list[str]:
    region = widget.region
    rows = screen_text(app).splitlines()[region.y : region.bottom]
    return [row[region.x : region.right] for row in rows]


async def test_machine_wide_never_shows_unpriced_models_as_free(
    make_app: AppFactory, unpriced_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(unpriced_db, fake_cco.url)
    async with app.run_test(size=(200, 100)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        bars = "\n".join(region_lines(app, app.query_one("#model-chart")))
        models = "\n".join(region_lines(app, app.query_one("#models-table")))
        projects = "\n".join(region_lines(app, app.query_one("#projects-table")))
    priced = "$0.0225"  # two requests at $0.01125
    assert line_with(bars, UNPRICED).rstrip().endswith(" 3 unpriced"), bars  # "Cost by model"
    assert line_with(models, UNPRICED).rstrip().endswith(" 3 unpriced"), models  # its cost column
    assert line_with(models, PRICED).rstrip().endswith(f" {priced}"), models
    assert f" {priced} + 2 unpriced " in line_with(projects, "cco"), projects
    assert " 1 unpriced " in line_with(projects, "side"), projects
    assert line_with(text, f"{priced} + 3 unpriced")  # the all-projects cost card
    assert line_with(text, "cost leaves out 3 unpriced requests")  # under the project chart


async def test_current_project_cost_card_counts_unpriced_requests(
    make_app: AppFactory, unpriced_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(unpriced_db, fake_cco.url)
    async with app.run_test(size=(200, 100)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        await pilot.press("3")
        await run_command(pilot, "stats")
        terminal = output_text(app)
    assert line_with(text, "$0.0225 + 2 unpriced")
    assert "cost $0.0225 + 2 unpriced" in terminal


async def test_sub_cent_savings_add_up_on_cards_and_in_the_terminal(
    make_app: AppFactory, pennies_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: $0.014 + $0.024 were shown as $0.01 + $0.02 = $0.04."""
    app = make_app(pennies_db, fake_cco.url)
    async with app.run_test(size=(200, 100)) as pilot:
        await settle(pilot)
        current = screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        machine = screen_text(app)
        await pilot.press("3")
        await run_command(pilot, "stats")
        terminal = output_text(app)
    for text in (current, machine):
        assert line_with(text, "$0.0380"), text
        assert line_with(text, "cache $0.0140")
        assert line_with(text, "local $0.0240")
    assert "saved $0.0380 (cache $0.0140, local $0.0240, prompt cache $0.00, routing $0.00)" in terminal


@pytest.mark.parametrize("size", [(80, 60), (120, 40)])
async def test_project_chart_legend_stays_out_of_the_bars(
    make_app: AppFactory, seeded_db: Path, fake_cco: ThreadedServer, size: tuple[int, int]
) -> None:
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=size) as pilot:
        await pilot.press("2")
        await settle(pilot)
        chart = app.query_one("#project-chart")
        lines = region_lines(app, chart)
    axis = next(index for index, line in enumerate(lines) if "└" in line)
    legend = [index for index, line in enumerate(lines) if "cost" in line and "saved" in line]
    assert legend and min(legend) > axis, "\n".join(lines)
