"""Per-session sums beside the raw rows: one row per (Claude Code session, project), kept by the writer.

`cco statusline` reads one session's totals on every Claude Code turn and `cco sessions` lists them all; over
a million raw rows both would cost time proportional to the rows, so the writer folds each batch into
`session_rollup` in the same transaction as the rows (as it does for the time rollups in rollup.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from peewee import Database, DatabaseProxy

from cco_tui.store.db import greatest, is_postgres, least, run_many, run_sql, upsert_sql

AnyDb = Database | DatabaseProxy

KEY = ("session_id", "project")
SUMMED = (
    "requests",
    "cost_usd",
    "unpriced",
    "saved_usd",
    "cache_hits",
    "cache_lookups",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "subagent_calls",
)
COLUMNS = (*KEY, *SUMMED, "first_ts", "last_ts")

# The same measures over raw rows, in COLUMNS order after the key (TOTAL: 0.0 for a group of unpriced rows).
# Spelled for both SQLite and PostgreSQL: COALESCE(SUM()) rather than TOTAL(), CASE rather than a boolean sum.
_RAW = """COUNT(*), COALESCE(SUM(cost_usd), 0), SUM(unpriced),
    SUM(saved_cache_usd + saved_local_usd + saved_prompt_cache_usd), SUM(cache_hit), SUM(cache_lookup),
    SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_5m_tokens + cache_write_1h_tokens),
    SUM(CASE WHEN agent_id IS NULL THEN 0 ELSE 1 END), MIN(ts), MAX(ts)"""
_REBUILD = (
    f"INSERT INTO session_rollup ({', '.join(COLUMNS)}) SELECT session_id, project, {_RAW}"
    " FROM request WHERE session_id IS NOT NULL GROUP BY session_id, project"
)
_CHUNK = 500  # ids per statement, well under SQLite's bound-parameter limit


def _upsert(pg: bool) -> str:
    # the old row's columns are qualified by the table name: unqualified, PostgreSQL calls them ambiguous
    t = "session_rollup"
    update = ", ".join(
        [f"{name} = {t}.{name} + excluded.{name}" for name in SUMMED]
        + [f"first_ts = {least(pg)}({t}.first_ts, excluded.first_ts)"]
        + [f"last_ts = {greatest(pg)}({t}.last_ts, excluded.last_ts)"]
    )
    return upsert_sql(t, COLUMNS, KEY, update, pg)


def row_values(row: Mapping[str, Any]) -> list[float]:
    """One request row's contribution, in SUMMED order."""
    return [
        1,
        row["cost_usd"] or 0.0,  # unpriced rows count in `unpriced`, not in the cost sum
        row["unpriced"],
        row["saved_cache_usd"] + row["saved_local_usd"] + row["saved_prompt_cache_usd"],
        row["cache_hit"],
        row["cache_lookup"],
        row["input_tokens"],
        row["output_tokens"],
        row["cache_read_tokens"],
        row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"],
        int(row["agent_id"] is not None),
    ]


def session_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Sums per (session, project) of a batch, as tuples of COLUMNS; rows without a session are left out."""
    sums: dict[tuple[str, str], tuple[list[float], float, float]] = {}
    for row in rows:
        if row["session_id"] is None:
            continue
        key, values, ts = (row["session_id"], row["project"]), row_values(row), row["ts"]
        if key in sums:
            total, first, last = sums[key]
            values = [a + b for a, b in zip(total, values, strict=True)]
            ts, last = min(first, ts), max(last, ts)
            sums[key] = (values, ts, last)
        else:
            sums[key] = (values, ts, ts)
    return [(*key, *values, first, last) for key, (values, first, last) in sums.items()]


def add_to_sessions(db: AnyDb, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fold freshly inserted request rows into the session sums (inside the caller's transaction)."""
    run_many(db, _upsert(is_postgres(db)), session_rows(rows))


def rebuild_sessions(db: AnyDb) -> None:
    """Recompute every session's sums from the raw rows (the migration that adds them, bulk loads)."""
    run_sql(db, "DELETE FROM session_rollup")
    run_sql(db, _REBUILD)


def refresh_sessions(db: AnyDb, session_ids: Collection[str]) -> None:
    """Recompute these sessions' sums from their rows, after rows changed in place (reprice.py)."""
    ids = sorted(session_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join(["%s" if is_postgres(db) else "?"] * len(chunk))
        db.execute_sql(f"DELETE FROM session_rollup WHERE session_id IN ({marks})", chunk)
        rebuild = _REBUILD.replace("WHERE session_id IS NOT NULL", f"WHERE session_id IN ({marks})")
        db.execute_sql(rebuild, chunk)
