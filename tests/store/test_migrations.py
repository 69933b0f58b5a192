"""Schema versions: a fresh file, an old (version 1) file with rows, a file from the future, and pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from peewee import SqliteDatabase

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
        assert schema_version(db) == SCHEMA_VERSION == 6
        assert db.journal_mode == "wal"
        assert db.synchronous == 1  # NORMAL
        assert db.foreign_keys == 1
        for model in MODELS:
            columns = {column.name for column in db.get_columns(model._meta.table_name)}
            assert columns == set(model._meta.columns), model.__name__


def test_version_1_file_with_rows_is_upgraded_and_rolled_up(tmp_path: Path, pricing: PricingTable) -> None:
    path = tmp_path / "old.db"
    old = new_database(path)
    with old.connection_context():
        assert migrate(old, target=1) == 1
        records = make_records(500, 1_790_000_000.0, 5 * 86400, seed=3)
        priced = [request_row(r, costing_of(pricing, r)) for r in records]
        insert_as_stored_then(old, priced)
    open_database(path)
    with old.connection_context():
        assert schema_version(old) == SCHEMA_VERSION
    totals = queries.totals()
    assert totals.requests == 500
    assert totals.cost_usd == pytest.approx(sum(row["cost_usd"] or 0 for row in priced))
    assert {p.name for p in queries.projects()} == {r.project for r in records}
    assert sum(g.requests for g in queries.breakdown(queries.Filter(), "model")) == 500


def insert_as_stored_then(db: SqliteDatabase, rows: list[dict[str, Any]]) -> None:
    """Rows as an older version stored them: only the columns its table had (Peewee would add the newer ones)."""
    existing = {column.name for column in db.get_columns("request")}
    names = [name for name in rows[0] if name in existing]
    sql = f"INSERT INTO request ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for row in rows:
        db.execute_sql(sql, [row[name] for name in names])


def test_version_2_file_gets_session_sums_from_its_rows(tmp_path: Path, pricing: PricingTable) -> None:
    path = tmp_path / "v2.db"
    old = new_database(path)
    with old.connection_context():
        assert migrate(old, target=2) == 2
        records = make_records(300, 1_790_000_000.0, 86400, seed=5)
        for i, record in enumerate(records):
            record.session_id = f"s{i % 7}"
        priced = [request_row(r, costing_of(pricing, r)) for r in records]
        insert_as_stored_then(old, priced)
    open_database(path)
    with old.connection_context():
        sums = old.execute_sql(
            "SELECT session_id, SUM(requests), TOTAL(cost_usd) FROM session_rollup GROUP BY session_id"
        ).fetchall()
    assert {session: calls for session, calls, _ in sums} == {f"s{i}": len(records[i::7]) for i in range(7)}
    expected = {f"s{i}": sum(row["cost_usd"] or 0 for row in priced[i::7]) for i in range(7)}
    assert {session: cost for session, _, cost in sums} == pytest.approx(expected)


def test_version_5_rows_count_as_api_billing_and_get_a_meter_table(tmp_path: Path, pricing: PricingTable) -> None:
    path = tmp_path / "v5.db"
    old = new_database(path)
    with old.connection_context():
        assert migrate(old, target=5) == 5
        records = make_records(20, 1_790_000_000.0, 86400, seed=4)
        priced = [request_row(r, costing_of(pricing, r)) for r in records]
        insert_as_stored_then(old, priced)
    open_database(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT DISTINCT billing FROM request").fetchall() == [("api",)]
        assert connection.execute("SELECT COUNT(*) FROM credential_meter").fetchone() == (0,)


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
