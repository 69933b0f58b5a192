"""The dashboard on a PostgreSQL store: the same seeded history, the same numbers as on SQLite."""

from __future__ import annotations

import pytest

from cco_tui.tui.formatting import shorten
from cco_tui.widgets.chart import ChartPanel
from cco_tui.widgets.rows_table import RowsTable
from tests.fakes.serve import ThreadedServer
from tests.servers import PostgresServer
from tests.tui.conftest import AppFactory, settle
from tests.tui.seed import NOW, history, write_records
from tests.tui.test_app import card_text


@pytest.fixture(scope="session")
def seeded_postgres(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database()
    write_records(url, history())  # type: ignore[arg-type]
    return url


async def test_current_project_and_charts_read_from_postgresql(
    make_app: AppFactory, seeded_postgres: str, fake_cco: ThreadedServer
) -> None:
    today = [r for r in history() if r.project == "cco" and r.ts_start >= NOW - 15.5 * 3600]
    app = make_app(seeded_postgres, fake_cco.url)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert card_text(app, "card-calls").startswith(f"{len(today):,}\n")
        table = app.query_one("#recent-table", RowsTable)
        newest = max((r for r in history() if r.project == "cco"), key=lambda r: r.ts_start)
        assert table.row_count == 50 and str(table.get_row_at(0)[1]) == shorten(newest.model, 28)
        chart = app.query_one("#cost-chart", ChartPanel).chart
        assert chart is not None and chart.labels[0] == "00:00" and len(chart.labels) == 16
        await pilot.press("t")
        await settle(pilot)
        chart = app.query_one("#cost-chart", ChartPanel).chart
        assert chart is not None and len(chart.labels) == 30 and chart.labels[-1] == "11-20"
