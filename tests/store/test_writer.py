"""The record writer: concurrency, shutdown flush, thread ownership, a full queue, pricing of each row.

The tests taking `store_db` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from cco_tui.costs import PricingTable, Usage
from cco_tui.store import RecordWriter, RequestRecord, client_family, queries
from cco_tui.store.db import new_database
from tests.store.seeding import count


def _record(i: int, **fields: Any) -> RequestRecord:
    base: dict[str, Any] = dict(
        request_id=f"req_{i}",
        project=f"p{i % 4}",
        requested_model="claude-sonnet-4-5-20250929",
        provider="anthropic",
        status=200,
        input_tokens=100,
        output_tokens=10,
        latency_ms=50.0 + i,
    )
    return RequestRecord(**{**base, **fields})


def _count(path: Path, sql: str = "SELECT COUNT(*) FROM request") -> Any:
    with sqlite3.connect(path) as con:
        return con.execute(sql).fetchone()[0]


async def _submit_all(writer: RecordWriter, ids: range) -> None:
    for i in ids:
        assert writer.submit(_record(i))
        await asyncio.sleep(0)  # interleave the 32 producers


async def test_2000_records_from_32_tasks_are_all_written(store_db: Path | str, pricing: PricingTable) -> None:
    writer = RecordWriter(store_db, pricing, batch_size=64, flush_ms=60_000)  # stop() must not wait for the timer
    writer.start()
    await asyncio.gather(*(_submit_all(writer, range(t * 2000 // 32, (t + 1) * 2000 // 32)) for t in range(32)))
    assert await asyncio.to_thread(writer.stop, 30)
    assert writer.stats().written == 2000 and writer.stats().dropped == 0
    assert count(store_db) == 2000
    assert count(store_db, "SELECT COUNT(DISTINCT request_id) FROM request") == 2000
    assert queries.totals().requests == 2000  # the rollups agree with the rows


async def test_writer_database_work_never_runs_on_the_event_loop_thread(fresh_db: Path, pricing: PricingTable) -> None:
    threads_using_sqlite: set[int] = set()

    def profiler(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and isinstance(getattr(arg, "__self__", None), sqlite3.Connection | sqlite3.Cursor):
            threads_using_sqlite.add(threading.get_ident())

    threading.setprofile(profiler)  # threads started from now on: the writer
    sys.setprofile(profiler)  # this thread, which runs the event loop
    try:
        writer = RecordWriter(fresh_db, pricing)
        writer.start()
        await asyncio.gather(*(_submit_all(writer, range(t * 100, t * 100 + 100)) for t in range(8)))
        assert await asyncio.to_thread(writer.stop, 30)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    assert _count(fresh_db) == 800
    assert threads_using_sqlite, "the profiler saw no SQLite calls at all"
    assert threading.get_ident() not in threads_using_sqlite


def test_a_full_queue_is_counted_and_logged(store_db: Path | str, pricing: PricingTable, caplog: Any) -> None:
    writer = RecordWriter(store_db, pricing, queue_size=5)
    with caplog.at_level(logging.WARNING, logger="cco_tui.store.writer"):
        accepted = [writer.submit(_record(i)) for i in range(8)]  # not started: nothing drains
    assert accepted == [True] * 5 + [False] * 3
    assert (writer.stats().queued, writer.stats().dropped) == (5, 3)
    assert "dropped" in caplog.text
    writer.start()
    assert writer.stop(30)
    assert writer.stats().written == 5 and count(store_db) == 5


def test_each_row_is_priced_in_the_writer(store_db: Path | str, pricing: PricingTable) -> None:
    writer = RecordWriter(store_db, pricing)
    writer.start()
    hit = _record(1, cache_status="hit", input_tokens=0, output_tokens=0, served_model=None)
    hit.original_model, hit.original_usage = "claude-opus-4-5", Usage(input=1000, output=100)
    writer.submit(_record(0, cache_status="miss", cache_read_tokens=10_000))
    writer.submit(hit)
    writer.submit(_record(2, requested_model="ollama/llama3", provider="ollama"))
    writer.submit(_record(3, requested_model="no-such-model"))
    assert writer.stop(30)
    db = new_database(store_db)
    rows = db.execute_sql(
        "SELECT request_id, cost_usd, unpriced, saved_cache_usd, saved_local_usd, saved_prompt_cache_usd,"
        " model FROM request ORDER BY request_id"
    ).fetchall()
    db.close()
    miss, cached, local, unknown = rows
    assert miss[1:3] == (pytest.approx((100 * 3 + 10 * 15 + 10_000 * 0.3) / 1e6), 0)
    assert miss[5] == pytest.approx(10_000 * 2.7 / 1e6)
    assert cached[1] == 0 and cached[3] == pytest.approx((1000 * 5 + 100 * 25) / 1e6)
    assert cached[6] == "claude-opus-4-5"
    assert local[1] == 0 and local[4] == pytest.approx((100 * 3 + 10 * 15) / 1e6)
    assert unknown[1] is None and unknown[2] == 1


def test_stop_without_start_reports_unwritten_records(fresh_db: Path, pricing: PricingTable) -> None:
    writer = RecordWriter(fresh_db, pricing)
    assert writer.stop(1)
    writer.submit(_record(0))
    assert not writer.stop(1)


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        ("claude-cli/2.1.197 (external, cli)", "claude-cli"),
        ("Anthropic/Python 0.69.0", "anthropic-sdk-python"),
        ("Anthropic/JS 0.60.0", "anthropic-sdk-js"),
        ("OpenAI/Python 1.99.1", "openai-python"),
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0", "other"),
        (None, "other"),
    ],
)
def test_client_family(agent: str | None, family: str) -> None:
    assert client_family(agent) == family


def test_a_bad_record_loses_only_its_batch(store_db: Path | str, pricing: PricingTable) -> None:
    writer = RecordWriter(store_db, pricing, batch_size=1)
    writer.start()
    writer.submit(_record(0, latency_ms="slow"))  # a proxy bug must not stop the recording
    writer.submit(_record(1))
    assert writer.stop(30)
    assert (writer.stats().failed, writer.stats().written) == (1, 1)
    assert count(store_db) == 1
