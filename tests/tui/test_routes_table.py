"""Savings by route on the Machine-Wide tab, from rows the real writer priced (routing savings included)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cco_tui.costs.usage import Usage
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import AppFactory, settle
from tests.tui.seed import HOUR, NOW, record, write_records
from tests.tui.test_cost_display import line_with, region_lines

USAGE = Usage(input=100_000, output=10_000)


@pytest.fixture(scope="module")
def routed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A subagent sent from opus to haiku (cheaper), a thinking turn sent from haiku to opus (dearer), and a
    main-loop request left alone."""
    path = tmp_path_factory.mktemp("routed") / "cco.db"
    cheaper = replace(record(NOW - HOUR, model="claude-haiku-4-5", usage=USAGE), requested_model="claude-opus-4-8")
    cheaper.route, cheaper.route_reason = "subagents", "when agent=subagent"
    dearer = replace(record(NOW - HOUR, model="claude-opus-4-8", usage=USAGE), requested_model="claude-haiku-4-5")
    dearer.route, dearer.route_reason = "think", "when thinking=true"
    plain = record(NOW - 2 * HOUR, model="claude-opus-4-8", usage=USAGE)
    plain.route, plain.route_reason = "3", "pattern"
    write_records(path, [cheaper, dearer, plain])
    return path


async def test_machine_wide_shows_savings_by_route(
    make_app: AppFactory, routed_db: Path, fake_cco: ThreadedServer
) -> None:
    app = make_app(routed_db, fake_cco.url)
    async with app.run_test(size=(200, 120)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = "\n".join(region_lines(app, app.query_one("#routes-table")))
    # 100k in + 10k out: opus $5/$25 per million = $0.75, haiku $1/$5 = $0.15
    assert line_with(table, "subagents", "claude-haiku-4-5").rstrip().endswith(" $0.6000"), table
    assert line_with(table, "think", "claude-opus-4-8").rstrip().endswith(" -$0.6000"), table
    assert line_with(table, "3", "pattern").rstrip().endswith("$0.00"), table
