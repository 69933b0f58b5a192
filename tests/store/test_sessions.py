"""The writer's per-session sums equal the same sums recomputed from the raw rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cco_tui.costs import PricingTable
from cco_tui.store.db import new_database
from cco_tui.store.sessions import COLUMNS, rebuild_sessions
from tests.store.seeding import make_records, write_records


def table(path: Path) -> dict[tuple[str, str], tuple[float, ...]]:
    with sqlite3.connect(path) as con:
        rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM session_rollup").fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def test_incremental_sums_match_a_rebuild(tmp_path: Path, pricing: PricingTable) -> None:
    records = make_records(2000, 1_790_000_000.0, 3 * 86400, seed=11)
    for i, record in enumerate(records):
        record.session_id = None if i % 10 == 0 else f"session-{i % 13}"
        record.agent_id = f"agent-{i}" if i % 4 == 0 else None
    path = tmp_path / "cco.db"
    stats = write_records(path, records, pricing)
    assert stats.written == 2000
    incremental = table(path)
    db = new_database(path)
    with db.connection_context(), db.atomic():
        rebuild_sessions(db)
    rebuilt = table(path)
    assert incremental.keys() == rebuilt.keys()
    assert len({session for session, _ in rebuilt}) == 13  # rows without a session are not a session
    for key, values in rebuilt.items():
        assert incremental[key] == pytest.approx(values, rel=1e-12), key
    subagent_calls = sum(values[COLUMNS.index("subagent_calls") - 2] for values in rebuilt.values())
    assert subagent_calls == sum(1 for r in records if r.session_id and r.agent_id)
