"""5-hour blocks and subscription sums over rows written by the real writer into a SQLite file; plain SQL over
the same file is the oracle."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cco_tui.costs import PricingTable
from cco_tui.store import open_database
from cco_tui.store.aggregate import Filter
from cco_tui.store.billing import subscription_totals
from cco_tui.store.blocks import BLOCK_S, blocks, current_block, limit_at
from cco_tui.store.record import RequestRecord
from cco_tui.wire.ratelimits import Window
from tests.store.seeding import write_records

DAY = 1_790_000_000 // 86400 * 86400  # a UTC midnight
HOUR = 3600


def call(ts: float, billing: str = "api", project: str = "web") -> RequestRecord:
    record = RequestRecord(
        request_id=f"r{ts}", ts_start=ts, project=project, requested_model="claude-sonnet-4-6", status=200
    )
    record.served_model, record.provider, record.billing = "claude-sonnet-4-6", "anthropic", billing
    record.input_tokens, record.output_tokens = 1000, 100
    return record


@pytest.fixture
def db(tmp_path: Path, pricing: PricingTable) -> Path:
    path = tmp_path / "blocks.db"
    times = [DAY + 10 * HOUR + 600, DAY + 12 * HOUR + 1800, DAY + 16 * HOUR + 300, DAY + 16 * HOUR + 1800]
    billings = ["subscription", "api", "subscription", "subscription"]
    write_records(path, [call(t, b) for t, b in zip(times, billings, strict=True)], pricing)
    open_database(path)
    return path


def oracle(path: Path, sql: str) -> tuple[float, ...]:
    with sqlite3.connect(path) as connection:
        return tuple(connection.execute(sql).fetchone())


def test_a_block_starts_at_the_hour_of_the_first_call_after_the_last_block_ended(db: Path) -> None:
    found = blocks(DAY, DAY + 86400)
    assert [(b.start - DAY, b.end - DAY, b.requests) for b in found] == [
        (10 * HOUR, 15 * HOUR, 2),
        (16 * HOUR, 21 * HOUR, 2),
    ]
    (first_cost,) = oracle(db, f"SELECT SUM(cost_usd) FROM request WHERE ts < {DAY + 15 * HOUR}")
    assert found[0].cost_usd == pytest.approx(first_cost)
    assert found[0].tokens == 2 * 1100


def test_current_block_rate_and_projection(db: Path) -> None:
    now = DAY + 17 * HOUR
    current = current_block(now)
    assert current is not None
    (cost,) = oracle(db, f"SELECT SUM(cost_usd) FROM request WHERE ts >= {DAY + 16 * HOUR}")
    assert current.block.cost_usd == pytest.approx(cost)
    assert current.usd_per_hour == pytest.approx(cost)  # one hour into the block
    assert current.projected_usd == pytest.approx(cost * 5)
    assert current.limit_at is None  # no plan headers
    assert current_block(DAY + 22 * HOUR) is None  # nothing in the last five hours


def test_the_plan_window_bounds_the_current_block_and_gives_the_limit_time(db: Path) -> None:
    resets = DAY + 16 * HOUR + 1200 + BLOCK_S  # Anthropic's window began at 16:20
    window = Window(utilization=0.25, resets_at=resets)
    current = current_block(DAY + 17 * HOUR + 1200, window, DAY + 17 * HOUR + 1200)
    assert current is not None
    assert (current.block.start, current.block.requests) == (DAY + 16 * HOUR + 1200, 1)  # the 16:30 call
    assert current.limit_at == pytest.approx(DAY + 16 * HOUR + 1200 + 4 * HOUR)  # 25 % per hour: full at 20:20
    assert limit_at(Window(0.1, resets), DAY + 17 * HOUR + 1200) is None  # 10 %/h: the window resets first


def test_subscription_totals_count_only_subscription_rows(db: Path) -> None:
    totals = subscription_totals(Filter())
    (count, cost) = oracle(db, "SELECT COUNT(*), SUM(cost_usd) FROM request WHERE billing = 'subscription'")
    assert (totals.requests, totals.cost_usd) == (count, pytest.approx(cost))
    assert subscription_totals(Filter(since=DAY + 11 * HOUR, until=DAY + 16 * HOUR + 600)).requests == 1
    assert subscription_totals(Filter(project="other")).requests == 0


def test_the_subscription_sum_reads_the_partial_index(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM request WHERE billing = 'subscription' AND ts >= 0"
        ).fetchall()
    assert any("request_subscription_ts" in str(step) for step in plan), plan
