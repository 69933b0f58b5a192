"""A real analytics file written by the real RecordWriter: the Claude Code commands read it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cco_tui.costs import PricingTable, Usage, load_pricing_file, shipped_pricing_path
from cco_tui.store import RecordWriter, RequestRecord


@pytest.fixture(scope="module")
def pricing() -> PricingTable:
    return load_pricing_file(shipped_pricing_path())


def record(session: str | None, project: str, ts: float, output_tokens: int, cache: str = "miss") -> RequestRecord:
    row = RequestRecord(
        request_id=f"req_{session}_{ts}",
        ts_start=ts,
        project=project,
        session_id=session,
        requested_model="claude-sonnet-4-5",
        served_model="claude-sonnet-4-5",
        provider="anthropic",
        status=200,
        cache_status=cache,  # type: ignore[arg-type]
    )
    row.set_usage(Usage(input=1000, output=output_tokens, cache_write_5m=0, cache_write_1h=0, cache_read=50_000))
    return row


@pytest.fixture
def db(tmp_path: Path, pricing: PricingTable) -> Path:
    """Session "a" in web today, "b" in web today, "c" in api today, and web rows from two days ago."""
    now = time.time()
    path = tmp_path / "cco.db"
    writer = RecordWriter(path, pricing)
    writer.start()
    rows = [
        record("sess-a", "web", now - 60, 2000),
        record("sess-a", "web", now - 30, 500, cache="hit"),
        record("sess-a", "default", now - 20, 100),  # a side call with no working directory
        record("sess-b", "web", now - 10, 7000),
        record("sess-c", "api", now - 5, 9000),
        record("sess-old", "web", now - 2 * 86400, 50_000),
    ]
    for row in rows:
        assert writer.submit(row)
    assert writer.stop(60)
    return path
