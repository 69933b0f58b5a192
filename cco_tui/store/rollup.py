"""Measures, and the rollups and latency histograms the writer keeps beside the raw rows.

A measure has one name everywhere: a column of the rollup tables, and an aggregate over raw request rows,
so a query can add up whole weeks, days and hours, and raw rows at the edges of its time range.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import Database, DatabaseProxy, Expression, Field, Function, Node, Value, fn

from cco_tui.store.db import database, greatest, int_literal, is_postgres, run_many, upsert_sql
from cco_tui.store.models import (
    DayLatency,
    DayRollup,
    HourRollup,
    LatencyHistogram,
    ProjectRow,
    RequestRow,
    Rollup,
    WeekLatency,
    WeekRollup,
)

# Summed measures; `last_ts` (a maximum) comes last.
SUM_MEASURES = (
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "cost_usd",
    "unpriced",
    "saved_cache_usd",
    "saved_local_usd",
    "saved_prompt_cache_usd",
    "saved_routing_usd",
    "cache_hits",
    "cache_lookups",
    "latency_sum_ms",
    "latency_count",
)
MEASURES = (*SUM_MEASURES, "last_ts")
KEY_COLUMNS = ("period", "project", "provider", "model")
HISTOGRAM_KEY = ("scope", "dim", "period", "key", "bucket")
_RAW_COLUMN = {"cache_hits": "cache_hit", "cache_lookups": "cache_lookup"}

Measures = dict[str, float]
RowKey = tuple[int, str, str, str]


@dataclass(frozen=True, slots=True)
class Level:
    """A granularity of stored data: raw rows (seconds == 0), or a rollup period."""

    name: str
    seconds: int
    sums: type[Rollup] | None
    latency: type[LatencyHistogram] | None


RAW = Level("raw", 0, None, None)
HOUR = Level("hour", 3600, HourRollup, None)  # partial days read raw rows for percentiles instead
DAY = Level("day", 86400, DayRollup, DayLatency)
WEEK = Level("week", 7 * 86400, WeekRollup, WeekLatency)
ROLLUP_LEVELS = (HOUR, DAY, WEEK)
SUM_LEVELS = (WEEK, DAY, HOUR, RAW)  # coarsest first, as ranges.cover() wants them
LATENCY_LEVELS = (WEEK, DAY, RAW)


def empty_measures() -> Measures:
    return dict.fromkeys(MEASURES, 0.0)


def add_measures(into: Measures, other: Mapping[str, float]) -> None:
    for name in SUM_MEASURES:
        into[name] += other[name]
    into["last_ts"] = max(into["last_ts"], other["last_ts"])


def raw_measures() -> list[Function]:
    """Aggregates over request rows, in MEASURES order."""
    r = RequestRow
    exprs: dict[str, Function] = {
        "requests": fn.COUNT(r.id),
        "errors": fn.SUM(r.is_error),
        "cost_usd": _total(r.cost_usd),
        "latency_sum_ms": _total(r.latency_ms),
        "latency_count": fn.COUNT(r.latency_ms),
        "last_ts": fn.MAX(r.ts),
    }
    return [exprs.get(name) or fn.SUM(getattr(r, _RAW_COLUMN.get(name, name))) for name in MEASURES]


def _total(column: Node) -> Function:
    """0.0, not NULL, for a group of NULLs (unpriced rows): SQLite's TOTAL() in both dialects."""
    return fn.COALESCE(fn.SUM(column), 0.0)


def rollup_measures(model: type[Rollup]) -> list[Function]:
    return [fn.SUM(getattr(model, name)) for name in SUM_MEASURES] + [fn.MAX(model.last_ts)]


def raw_period(seconds: int, pg: bool | None = None) -> Expression:
    """The start of the period holding each raw row, in SQL (matches period_of).

    SQLite's CAST truncates, PostgreSQL's rounds: there the floor comes first."""
    pg = is_postgres(database) if pg is None else pg
    whole = fn.FLOOR(RequestRow.ts).cast("BIGINT") if pg else RequestRow.ts.cast("INTEGER")
    return (whole / int_literal(seconds)) * int_literal(seconds)


def period_of(ts: float, seconds: int) -> int:
    return int(ts) // seconds * seconds


def row_measures(row: Mapping[str, Any]) -> list[float]:
    """One request row's contribution, in MEASURES order."""
    latency = row["latency_ms"]
    derived = {
        "requests": 1,
        "errors": row["is_error"],
        "cost_usd": row["cost_usd"] or 0.0,  # unpriced rows count in `unpriced`, not in the cost sum
        "latency_sum_ms": latency or 0.0,
        "latency_count": 0 if latency is None else 1,
        "last_ts": row["ts"],
    }
    return [derived[name] if name in derived else row[_RAW_COLUMN.get(name, name)] for name in MEASURES]


def histogram_slices(project: str, model: str, provider: str) -> list[tuple[str, str, str]]:
    """(scope, dim, key) of every histogram slice one request counts in."""
    return [
        ("", "", ""),
        ("", "project", project),
        ("", "model", model),
        ("", "provider", provider),
        (project, "model", model),
        (project, "provider", provider),
    ]


def rollup_rows(rows: Iterable[Mapping[str, Any]], seconds: int) -> list[tuple[Any, ...]]:
    """Sums per (period, project, provider, model), as tuples of KEY_COLUMNS + MEASURES."""
    sums: dict[RowKey, list[float]] = {}
    for row in rows:
        key = (period_of(row["ts"], seconds), row["project"], row["provider"], row["model"])
        values = row_measures(row)
        current = sums.setdefault(key, values)
        if current is not values:
            current[:-1] = [a + b for a, b in zip(current[:-1], values[:-1], strict=True)]
            current[-1] = max(current[-1], values[-1])
    return [(*key, *values) for key, values in sums.items()]


def histogram_rows(rows: Iterable[Mapping[str, Any]], seconds: int) -> list[tuple[Any, ...]]:
    """Counts per histogram slot, as tuples of HISTOGRAM_KEY + n."""
    counts: dict[tuple[str, str, int, str, int], int] = {}
    for row in rows:
        bucket = row["latency_bucket"]
        if bucket is None:
            continue
        period = period_of(row["ts"], seconds)
        for scope, dim, key in histogram_slices(row["project"], row["model"], row["provider"]):
            slot = (scope, dim, period, key, bucket)
            counts[slot] = counts.get(slot, 0) + 1
    return [(*slot, n) for slot, n in counts.items()]


def add_to_rollups(db: Database | DatabaseProxy, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fold freshly inserted request rows into every rollup level (inside the caller's transaction)."""
    for level in ROLLUP_LEVELS:
        if level.sums is not None:
            upsert_sums(db, level.sums, rollup_rows(rows, level.seconds))
        if level.latency is not None:
            _upsert_counts(db, level.latency, histogram_rows(rows, level.seconds))


def rebuild_rollups(db: Database | DatabaseProxy) -> None:
    """Recompute the project list and every rollup from the raw rows (migrations, repairs, bulk loads)."""
    _fill_projects(db)
    for level in ROLLUP_LEVELS:
        if level.sums is not None:
            level.sums.delete().execute(db)
            _fill_sums(db, level.sums, level.seconds)
        if level.latency is not None:
            level.latency.delete().execute(db)
            _fill_counts(db, level.latency, level.seconds)


def upsert_sums(db: Database | DatabaseProxy, model: type[Rollup], rows: list[tuple[Any, ...]]) -> None:
    """Add KEY_COLUMNS + MEASURES tuples to the rollup rows with the same key (inserting missing ones)."""
    run_many(db, _sums_upsert_sql(model._meta.table_name, is_postgres(db)), rows)


def _upsert_counts(db: Database | DatabaseProxy, model: type[LatencyHistogram], rows: list[tuple[Any, ...]]) -> None:
    run_many(db, _counts_upsert_sql(model._meta.table_name, is_postgres(db)), rows)


@functools.cache
def _sums_upsert_sql(table: str, pg: bool) -> str:
    # the old row's columns are qualified by the table name: unqualified, PostgreSQL calls them ambiguous
    added = [f"{name} = {table}.{name} + excluded.{name}" for name in SUM_MEASURES]
    update = ", ".join([*added, f"last_ts = {greatest(pg)}({table}.last_ts, excluded.last_ts)"])
    return upsert_sql(table, (*KEY_COLUMNS, *MEASURES), KEY_COLUMNS, update, pg)


@functools.cache
def _counts_upsert_sql(table: str, pg: bool) -> str:
    return upsert_sql(table, (*HISTOGRAM_KEY, "n"), HISTOGRAM_KEY, f"n = {table}.n + excluded.n", pg)


def _fill_projects(db: Database | DatabaseProxy) -> None:
    r = RequestRow
    ProjectRow.delete().execute(db)
    query = r.select(r.project, fn.MAX(r.project_path), fn.MIN(r.ts), fn.MAX(r.ts)).group_by(r.project)
    fields = [ProjectRow.name, ProjectRow.path, ProjectRow.first_ts, ProjectRow.last_ts]
    db.execute(ProjectRow.insert_from(query, fields))  # no RETURNING handling: nothing to return


def _fill_sums(db: Database | DatabaseProxy, model: type[Rollup], seconds: int) -> None:
    r, period = RequestRow, raw_period(seconds, is_postgres(db))
    keys = (period, r.project, r.provider, r.model)
    query = r.select(*keys, *raw_measures()).group_by(*keys)
    fields = [getattr(model, name) for name in (*KEY_COLUMNS, *MEASURES)]
    db.execute(model.insert_from(query, fields))


def _slice_columns() -> list[tuple[Node, str, Node]]:
    """histogram_slices() in SQL: (scope, dim, key) expressions over request rows, in the same order."""
    r, blank = RequestRow, Value("").cast("TEXT")  # typed: PostgreSQL cannot infer a bare parameter's type
    return [
        (blank, "", blank),
        (blank, "project", r.project),
        (blank, "model", r.model),
        (blank, "provider", r.provider),
        (r.project, "model", r.model),
        (r.project, "provider", r.provider),
    ]


def _fill_counts(db: Database | DatabaseProxy, model: type[LatencyHistogram], seconds: int) -> None:
    r, period = RequestRow, raw_period(seconds, is_postgres(db))
    fields = [getattr(model, name) for name in (*HISTOGRAM_KEY, "n")]
    for scope, dim, key in _slice_columns():
        grouped = [expr for expr in (scope, period, key, r.latency_bucket) if isinstance(expr, Field | Expression)]
        query = (
            r.select(scope, Value(dim).cast("TEXT"), period, key, r.latency_bucket, fn.COUNT(r.id))
            .where(r.latency_bucket.is_null(False))
            .group_by(*grouped)
        )
        db.execute(model.insert_from(query, fields))
