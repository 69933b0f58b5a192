"""Schema versions: a fresh file, an old (version 1) file with rows, a file from the future, and pragmas."""

from __future__ import annotations

from pathlib import Path

import pytest

from cco_tui.costs import PricingTable
from cco_tui.store import open_database, queries
from cco_tui.store.db import new_database
from cco_tui.store.migrations import SCHEMA_VERSION, SchemaError, migrate, schema_version
from cco_tui.store.models import (
    DayLatency,
    DayRollup,
    HourRollup,
    ProjectRow,
    RequestRow,
    WeekLatency,
    WeekRollup,
)
from cco_tui.store.rows import costing_of, request_row
from tests.store.seeding import make_records

MODELS = (RequestRow, HourRollup, DayRollup, WeekRollup, DayLatency, WeekLatency, ProjectRow)


def test_fresh_file_gets_the_current_schema_and_pragmas(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new" / "cco.db")
    with db.connection_context():
        assert schema_version(db) == SCHEMA_VERSION == 3
        assert db.journal_mode == "wal"
        assert db.synchronous == 1  # NORMAL
        assert db.foreign_keys == 1
        for model in MODELS:
            columns = {column.name for column in db.get_columns(model._meta.table_name)}
            assert columns == set(model._meta.columns), model.__name__


V3_COLUMNS = ("route", "route_reason", "saved_routing_usd")


def test_version_1_file_with_rows_is_upgraded_and_rolled_up(tmp_path: Path, pricing: PricingTable) -> None:
    path = tmp_path / "old.db"
    old = new_database(path)
    with old.connection_context():
        assert migrate(old, target=1) == 1
        records = make_records(500, 1_790_000_000.0, 5 * 86400, seed=3)
        priced = [request_row(r, costing_of(pricing, r)) for r in records]
        v1_columns = [name for name in priced[0] if name not in V3_COLUMNS]  # the file predates them
        sql = f"INSERT INTO request ({', '.join(v1_columns)}) VALUES ({', '.join('?' * len(v1_columns))})"
        for row in priced:
            old.execute_sql(sql, [row[name] for name in v1_columns])
    open_database(path)
    with old.connection_context():
        assert schema_version(old) == SCHEMA_VERSION
    totals = queries.totals()
    assert totals.requests == 500
    assert totals.cost_usd == pytest.approx(sum(row["cost_usd"] or 0 for row in priced))
    assert {p.name for p in queries.projects()} == {r.project for r in records}
    assert sum(g.requests for g in queries.breakdown(queries.Filter(), "model")) == 500


def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "cco.db"
    open_database(path)
    open_database(path)
    db = new_database(path)
    with db.connection_context():
        assert migrate(db) == SCHEMA_VERSION


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = new_database(path)
    with db.connection_context():
        db.pragma("user_version", SCHEMA_VERSION + 1)
        with pytest.raises(SchemaError, match="newer than this cco"):
            migrate(db)


def test_default_path_honours_cco_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cco_tui.store.target import default_db_target

    monkeypatch.setenv("CCO_DB", str(tmp_path / "x.db"))
    assert default_db_target().path == tmp_path / "x.db"
    monkeypatch.delenv("CCO_DB")
    assert default_db_target().path.name == "cco.db" and "cco" in default_db_target().path.parent.parts
