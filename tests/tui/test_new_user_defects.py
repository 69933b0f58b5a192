"""Defects a new user hit on the dashboard (issue 9), each through the pilot on a real database."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from cco_tui.costs.usage import Usage
from cco_tui.server.app import database_info
from cco_tui.store.target import db_target
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import MESSAGE_HEADERS, AppFactory, settle
from tests.tui.seed import HOUR, NOW, record, write_records
from tests.tui.test_cost_display import region_lines

UNPRICED = "mystery-model"
PRICED = "claude-sonnet-4-5"


def wait_for_rows(db: Path, count: int) -> None:
    """The writer thread commits after the reply: wait for the rows before the dashboard reads them."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if db.exists():
            with contextlib.closing(sqlite3.connect(db)) as connection:
                if connection.execute("SELECT COUNT(*) FROM request").fetchone()[0] >= count:
                    return
        time.sleep(0.05)
    raise AssertionError(f"{count} rows never reached {db}")


def region(app: object, selector: str) -> str:
    return "\n".join(region_lines(app, app.query_one(selector)))  # type: ignore[arg-type, attr-defined]


@pytest.fixture(scope="module")
def burst_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One burst two minutes before now, project `default`: two unpriced requests, an overloaded (free) one of
    the same model, and one priced."""
    path = tmp_path_factory.mktemp("burst") / "cco.db"
    rows = [record(NOW - 120 - n, project="default", model=UNPRICED) for n in range(2)]
    rows.append(record(NOW - 110, project="default", model=UNPRICED, status=529))  # free: no usage
    rows.append(
        record(NOW - 100, project="default", model=PRICED, usage=Usage(input=1200, output=350, cache_read=8000))
    )
    write_records(path, rows)
    return path


@pytest.fixture(scope="module")
def unpriced_only_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unpriced-only") / "cco.db"
    write_records(path, [record(NOW - 300 - n * 30, project="default", model=UNPRICED) for n in range(3)])
    return path


@pytest.fixture(scope="module")
def projects_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("projects") / "cco.db"
    rows = [
        record(NOW - HOUR * (n + 1) - index * 60, project=name, model=PRICED)
        for index, name in enumerate(("default", "cco", "web", "api"))
        for n in range(3)
    ]
    write_records(path, rows)
    return path


async def test_cost_card_is_not_cut_at_80x24(make_app: AppFactory, burst_db: Path, fake_cco: ThreadedServer) -> None:
    """QA: `session $0.3307 + 2 u…`: each cost and its unpriced count get a line of their own."""
    app = make_app(burst_db, fake_cco.url, project="default")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        card = region(app, "#card-cost")
    assert "…" not in card, card
    assert "session $0.0112" in card and "all time $0.0112" in card, card
    assert card.count("+ 2 unpriced") == 3, card  # today (the value), session, all time
    machine_app = make_app(burst_db, fake_cco.url, project="default")
    async with machine_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        machine = region(machine_app, "#machine-cost")
    assert "…" not in machine and "today $0.0112" in machine and "  + 2 unpriced" in machine, machine


async def test_tokens_in_means_the_same_on_the_card_and_in_recent_activity(
    make_app: AppFactory, burst_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: Recent activity counted cache tokens as "in", the card did not. One definition, labelled."""
    app = make_app(burst_db, fake_cco.url, project="default")
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        card = region(app, "#card-tokens")
        recent = region(app, "#recent-table")
    assert "in 27.6k · out 1.05k" in card, card  # 3 of (1200 input + 8000 cache read)
    assert "in includes cache" in card
    assert recent.count("9.2k/350") == 3, recent


async def test_burn_rate_does_not_project_a_burst(
    make_app: AppFactory, burst_db: Path, seeded_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: $0.33 spent in one burst projected "today ≈ $7.30"."""
    app = make_app(burst_db, fake_cco.url, project="default")
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        burst = region(app, "#card-burn")
    app = make_app(seeded_db, fake_cco.url)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        steady = region(app, "#card-burn")
    assert "today ≈" not in burst and "projection after 30m" in burst and "from 2m of use" in burst, burst
    assert "today ≈ $" in steady and "from 57m of use" in steady, steady  # the seeded hour's first request


async def test_all_unpriced_cost_chart_says_why_it_is_empty(
    make_app: AppFactory, unpriced_only_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(unpriced_only_db, fake_cco.url, project="default")
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        chart = " ".join(region(app, "#cost-chart").split())
    assert "no cost to draw: all 3 requests are unpriced" in chart, chart


async def test_latency_of_one_busy_hour_is_a_bar_not_a_dot(
    make_app: AppFactory, unpriced_only_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(unpriced_only_db, fake_cco.url, project="default")
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        chart = region(app, "#latency-chart")
    assert sum("█" in line for line in chart.splitlines()) >= 3, chart


async def test_project_labels_use_the_room_their_neighbours_leave(
    make_app: AppFactory, projects_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: `default` was cut to `defa…` next to `api`, `cco` and `web` with room to spare."""
    app = make_app(projects_db, fake_cco.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        chart = region(app, "#project-chart")
    labels = next(line for line in chart.splitlines() if "api" in line and "web" in line)
    assert "default" in labels and "…" not in labels, chart


async def test_a_request_without_a_model_is_labelled(
    make_app: AppFactory, real_cco: ThreadedServer, live_db: Path
) -> None:
    """Malformed JSON is recorded with no model: it was a blank-named row in the model charts and tables."""
    reply = httpx.post(real_cco.url + "/v1/messages", content=b"{not json", headers=MESSAGE_HEADERS)
    assert reply.status_code == 400
    wait_for_rows(live_db, 1)
    app = make_app(live_db, real_cco.url, clock=time.time)  # the row has the real time
    async with app.run_test(size=(200, 100)) as pilot:
        await settle(pilot)
        recent = region(app, "#recent-table")
        await pilot.press("2")
        await settle(pilot)
        bars, models = region(app, "#model-chart"), region(app, "#models-table")
        usage = region(app, "#usage-chart")
    for shown in (recent, bars, models, usage):
        assert "(no model)" in shown, shown


async def test_cost_per_call_of_an_unpriced_model_is_not_free(
    make_app: AppFactory, burst_db: Path, fake_cco: ThreadedServer
) -> None:
    """QA: the model performance table showed `$/call $0.00` for an unpriced model (its free error row)."""
    app = make_app(burst_db, fake_cco.url, project="default")
    async with app.run_test(size=(200, 100)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        models = region(app, "#models-table")
    row = next(line for line in models.splitlines() if UNPRICED in line)
    assert "$0.00" not in row and row.split().count("unpriced") == 2, row  # $/call, and cost "2 unpriced"


def test_the_server_names_its_database_for_viewers_without_secrets(real_cco: ThreadedServer, live_db: Path) -> None:
    """What a viewer reads to open the serving cco's data: a file by path; a server database never with its
    password (the viewer then keeps its own --db)."""
    info = httpx.get(real_cco.url + "/api/info").json()
    assert info["service"] == "cco"
    assert info["database"] == {"kind": "sqlite", "path": str(live_db.absolute())}
    masked = database_info(db_target("postgresql://cco:s3cret@db.internal:5432/cco"))
    assert masked == {"kind": "postgresql", "display": "postgresql://cco:***@db.internal:5432/cco"}
