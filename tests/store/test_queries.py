"""queries.py on a seeded store (SQLite and PostgreSQL), checked against plain SQL over the raw rows of the
SQLite file (no rollups involved)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cco_tui.store import queries
from cco_tui.store.export import EXPORT_COLUMNS, export_rows
from cco_tui.store.queries import Filter
from tests.store.seeding import PROJECTS, Seeded


@pytest.fixture
def seeded(seeded_any: Seeded) -> Seeded:
    """Every query test runs on SQLite and on PostgreSQL; plain SQL on the SQLite file is the oracle for both."""
    return seeded_any


TOTAL_COLUMNS = """COUNT(*), TOTAL(is_error), TOTAL(input_tokens), TOTAL(output_tokens),
    TOTAL(cache_write_5m_tokens + cache_write_1h_tokens), TOTAL(cache_read_tokens), TOTAL(cost_usd),
    TOTAL(unpriced), TOTAL(saved_cache_usd), TOTAL(saved_local_usd), TOTAL(saved_prompt_cache_usd),
    TOTAL(cache_hit), TOTAL(cache_lookup)"""
TOTAL_FIELDS = (
    "requests", "errors", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
    "cost_usd", "unpriced_requests", "saved_cache_usd", "saved_local_usd", "saved_prompt_cache_usd",
    "cache_hits", "cache_lookups",
)  # fmt: skip


def _where(f: Filter) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    for clause, value in (("ts >= ?", f.since), ("ts < ?", f.until), ("project = ?", f.project)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def _raw(seeded: Seeded, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(seeded.path) as con:
        return con.execute(sql, params).fetchall()


def _expected_totals(seeded: Seeded, f: Filter) -> dict[str, float]:
    where, params = _where(f)
    row = _raw(seeded, f"SELECT {TOTAL_COLUMNS} FROM request WHERE {where}", params)[0]
    return dict(zip(TOTAL_FIELDS, row, strict=True))


def _assert_totals_match(seeded: Seeded, f: Filter) -> None:
    got = queries.totals(f)
    for name, expected in _expected_totals(seeded, f).items():
        assert getattr(got, name) == pytest.approx(expected, rel=1e-9, abs=1e-9), name


def _exact_percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def test_everything_was_written(seeded: Seeded) -> None:
    assert seeded.stats.written == len(seeded.records)
    assert queries.totals().requests == len(seeded.records)


@pytest.mark.parametrize(
    "window",
    [
        (None, None),
        (-86400, None),
        (-3 * 86400 - 1234.5, -86400 + 17.25),  # unaligned: days, hours and raw rows at both ends
        (-7200.5, -3599.9),
        (-5 * 86400, -5 * 86400),  # empty
    ],
)
@pytest.mark.parametrize("project", [None, "api"])
def test_totals_equal_plain_sql(seeded: Seeded, window: tuple[float | None, float | None], project: str | None) -> None:
    since, until = (None if w is None else seeded.now + w for w in window)
    _assert_totals_match(seeded, Filter(project, since, until))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.floats(min_value=-11 * 86400, max_value=86400),
    length=st.floats(min_value=0, max_value=12 * 86400),
    project=st.sampled_from([None, *PROJECTS]),
)
def test_any_range_sums_exactly(seeded: Seeded, start: float, length: float, project: str | None) -> None:
    _assert_totals_match(seeded, Filter(project, seeded.now + start, seeded.now + start + length))


def test_latency_percentiles_are_within_bucket_precision(seeded: Seeded) -> None:
    latencies = [r.latency_ms for r in seeded.records if r.latency_ms is not None]
    got = queries.totals()
    for fraction, value in ((0.5, got.latency_p50_ms), (0.95, got.latency_p95_ms)):
        assert value == pytest.approx(_exact_percentile(latencies, fraction), rel=0.045)
    assert got.latency_avg_ms == pytest.approx(sum(latencies) / len(latencies), abs=0.05)


def test_breakdown_by_model_matches_plain_sql(seeded: Seeded) -> None:
    rows = _raw(seeded, "SELECT model, COUNT(*), TOTAL(cost_usd), TOTAL(is_error) FROM request GROUP BY model")
    expected = {model: (count, cost, errors) for model, count, cost, errors in rows}
    groups = queries.breakdown(Filter(), "model")
    assert {g.key: (g.requests, pytest.approx(g.cost_usd), g.errors) for g in groups} == expected
    assert [g.cost_usd for g in groups] == sorted((g.cost_usd for g in groups), reverse=True)


def test_breakdown_percentiles_per_group(seeded: Seeded) -> None:
    for group in queries.breakdown(Filter(project="web"), "provider"):
        latencies = [
            r.latency_ms
            for r in seeded.records
            if r.provider == group.key and r.project == "web" and r.latency_ms is not None
        ]
        assert group.latency_p95_ms == pytest.approx(_exact_percentile(latencies, 0.95), rel=0.045)


def test_unpriced_model_has_no_cost_per_call_but_is_counted(seeded: Seeded) -> None:
    mystery = next(g for g in queries.breakdown(Filter(), "model") if g.key == "mystery-model")
    assert mystery.unpriced_requests > 0
    assert queries.totals().unpriced_requests == sum(g.unpriced_requests for g in queries.breakdown(Filter()))


def test_timeseries_buckets_add_up_to_the_totals(seeded: Seeded) -> None:
    f = Filter(since=seeded.now - 3 * 86400 - 100.5, until=seeded.now - 3600.25)
    totals = queries.totals(f)
    for size in ("hour", "day"):
        series = queries.timeseries(f, size)
        assert sum(b.requests for b in series) == totals.requests
        assert sum(b.cost_usd for b in series) == pytest.approx(totals.cost_usd)
        starts = [b.bucket_start for b in series]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert f.since is not None and f.until is not None
    first, last = f.since // 3600, f.until // 3600
    assert len(queries.timeseries(f, "hour")) == last - first + 1  # every hour touched, empty ones too


def test_hour_buckets_match_plain_sql(seeded: Seeded) -> None:
    rows = _raw(seeded, "SELECT CAST(ts AS INTEGER) / 3600 * 3600, COUNT(*) FROM request GROUP BY 1")
    series = {b.bucket_start: b.requests for b in queries.timeseries(Filter(), "hour") if b.requests}
    assert series == {float(start): count for start, count in rows}


def test_projects_list_with_last_activity(seeded: Seeded) -> None:
    rows = _raw(seeded, "SELECT project, COUNT(*), MAX(ts) FROM request GROUP BY project")
    listed = queries.projects()
    assert {(p.name, p.requests, p.last_activity) for p in listed} == set(rows)
    assert [p.last_activity for p in listed] == sorted((p.last_activity for p in listed), reverse=True)


def test_recent_is_newest_first(seeded: Seeded) -> None:
    latest = sorted(seeded.records, key=lambda r: r.ts_start, reverse=True)
    got = queries.recent(5)
    assert [r.request_id for r in got] == [r.request_id for r in latest[:5]]
    infra = queries.recent(3, project="infra")
    assert len(infra) == 3 and {r.project for r in infra} == {"infra"}


def test_burn_rate_over_the_last_hour(seeded: Seeded) -> None:
    hour = _expected_totals(seeded, Filter(since=seeded.now - 3600, until=seeded.now))
    rate = queries.burn_rate(None, seeded.now)
    assert rate.usd_per_hour == pytest.approx(hour["cost_usd"])
    assert rate.requests_per_hour == hour["requests"]
    assert rate.day_start <= seeded.now < rate.day_end
    assert rate.history_s >= queries.MIN_PROJECTION_HISTORY_S  # the seeded hour is busy: enough to project
    assert rate.projected_today_usd is not None and rate.projected_today_usd >= rate.cost_today_usd


def test_export_rows_have_the_documented_columns(seeded: Seeded) -> None:
    rows = list(export_rows(Filter(project="web", since=seeded.now - 86400)))
    assert rows and all(tuple(row) == EXPORT_COLUMNS for row in rows)
    assert all(row["project"] == "web" and row["ts"] >= seeded.now - 86400 for row in rows)
    assert [row["ts"] for row in rows] == sorted(row["ts"] for row in rows)


def test_empty_database_answers_with_zeros(store_db: object) -> None:
    totals = queries.totals()
    assert totals.requests == 0 and totals.cost_usd == 0 and totals.latency_p95_ms is None
    assert queries.timeseries(Filter(), "day") == []
    assert queries.breakdown(Filter(), "project") == [] and queries.projects() == [] and queries.recent(10) == []
    burn = queries.burn_rate("x")
    assert burn.usd_per_hour == 0 and burn.history_s == 0 and burn.projected_today_usd is None


def test_bad_dimension_and_bucket_are_refused(fresh_db: object) -> None:
    with pytest.raises(ValueError, match="dim"):
        queries.breakdown(Filter(), "colour")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bucket"):
        queries.timeseries(Filter(), "week")  # type: ignore[arg-type]
