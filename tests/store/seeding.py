"""Deterministic request records, written through the real RecordWriter into a real SQLite file."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cco_tui.costs import PricingTable, Usage
from cco_tui.store import RecordWriter, RequestRecord
from cco_tui.store.db import new_database
from cco_tui.store.writer import MetricsSink, WriterStats

PROJECTS = ("web", "api", "infra")
MODELS = (
    ("claude-sonnet-4-5-20250929", "anthropic"),
    ("claude-opus-4-5", "anthropic"),
    ("gpt-4o", "openai"),
    ("ollama/qwen3-coder", "ollama"),
    ("mystery-model", "anthropic"),  # unpriced
)


@dataclass(frozen=True)
class Seeded:
    path: Path
    now: float
    records: list[RequestRecord]
    stats: WriterStats
    target: Path | str | None = None  # where the queries read (a PostgreSQL URL); None: `path`

    @property
    def store(self) -> Path | str:
        return self.target or self.path


def make_record(rng: random.Random, ts: float, i: int) -> RequestRecord:
    model, provider = rng.choice(MODELS)
    cache = rng.choice(("hit", "miss", "miss", "off", "bypass"))
    usage = Usage(
        input=rng.randrange(1, 5000),
        output=rng.randrange(1, 2000),
        cache_write_5m=rng.choice((0, 0, 3000)),
        cache_write_1h=rng.choice((0, 0, 0, 8000)),
        cache_read=rng.choice((0, 20_000, 60_000)),
    )
    failed = rng.random() < 0.05
    record = RequestRecord(
        request_id=f"req_{i:06d}",
        ts_start=ts,
        project=rng.choice(PROJECTS),
        project_path=None,
        session_id="s1",
        client=rng.choice(("claude-cli", "anthropic-sdk-python")),
        requested_model=model,
        served_model=model,
        provider=provider,
        stream=rng.random() < 0.8,
        status=529 if failed else 200,
        error_type="overloaded_error" if failed else None,
        cache_status=cache,  # type: ignore[arg-type]
        latency_ms=rng.lognormvariate(7, 0.8),
        ttfb_ms=rng.lognormvariate(6, 0.5),
        upstream_ms=None,
        overhead_ms=rng.random(),
        request_bytes=rng.randrange(1000, 90_000),
        response_bytes=rng.randrange(100, 9000),
    )
    if cache == "hit":
        record.original_model, record.original_usage = model, usage  # nothing billed on a hit
    elif not failed:
        record.set_usage(usage)
    return record


def make_records(count: int, now: float, span_s: float, seed: int = 7) -> list[RequestRecord]:
    rng = random.Random(seed)
    return [make_record(rng, now - rng.random() * span_s, i) for i in range(count)]


def write_records(
    path: Path | str, records: list[RequestRecord], pricing: PricingTable, metrics: MetricsSink | None = None
) -> WriterStats:
    writer = RecordWriter(path, pricing, metrics=metrics)
    writer.start()
    for record in records:
        assert writer.submit(record)
    assert writer.stop(60)
    return writer.stats()


def count(target: Path | str, sql: str = "SELECT COUNT(*) FROM request") -> Any:
    """One value by plain SQL, on a connection of its own, in either dialect."""
    db = new_database(target)
    try:
        return db.execute_sql(sql).fetchone()[0]
    finally:
        db.close()
