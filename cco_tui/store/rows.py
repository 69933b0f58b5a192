"""A priced RequestRecord → the column values of its `request` row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from peewee import Database, DatabaseProxy

from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.savings import Costing, price_record
from cco_tui.store.db import greatest, is_postgres, least, run_many, upsert_sql
from cco_tui.store.latency import latency_bucket
from cco_tui.store.record import RequestRecord

_LOOKUPS = frozenset({"hit", "miss"})  # the cache answered or was asked and missed: hit-rate denominator
_COPIED = (
    "request_id",
    "project",
    "project_path",
    "session_id",
    "agent_id",
    "parent_agent_id",
    "request_class",
    "agent_type",
    "client",
    "endpoint",
    "requested_model",
    "served_model",
    "provider",
    "status",
    "error_type",
    "input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "cache_status",
    "attempts",
    "latency_ms",
    "ttfb_ms",
    "upstream_ms",
    "overhead_ms",
    "request_bytes",
    "response_bytes",
    "original_model",
    "key_id",
    "rule",
    "route",
    "route_reason",
    "billing",
)


def costing_of(pricing: PricingTable, record: RequestRecord) -> Costing:
    """The record's cost and savings, by costs/' one rule for recorded requests."""
    hit = record.cache_status == "hit"
    return price_record(
        pricing, record.model, record.usage, hit=hit, original=record.original_usage, requested=record.requested_model
    )


_DERIVED = (
    "ts",
    "model",
    "stream",
    "is_error",
    "cost_usd",
    "unpriced",
    "saved_cache_usd",
    "saved_local_usd",
    "saved_prompt_cache_usd",
    "saved_routing_usd",
    "cache_hit",
    "cache_lookup",
    "latency_bucket",
)
REQUEST_COLUMNS = (*_COPIED, *_DERIVED)  # every column of `request` but its id
_PROJECT_COLUMNS = ("name", "path", "first_ts", "last_ts")


def request_row(record: RequestRecord, costing: Costing) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in _COPIED}
    row.update(
        ts=record.ts_start,
        model=record.model,
        stream=int(record.stream),  # 0/1: an integer column in both dialects
        is_error=int(record.is_error),
        cost_usd=costing.cost_usd,
        unpriced=int(costing.unpriced),
        saved_cache_usd=costing.saved_cache_usd,
        saved_local_usd=costing.saved_local_usd,
        saved_prompt_cache_usd=costing.saved_prompt_cache_usd,
        saved_routing_usd=costing.saved_routing_usd,
        cache_hit=int(record.cache_status == "hit"),
        cache_lookup=int(record.cache_status in _LOOKUPS),
        latency_bucket=latency_bucket(record.latency_ms),
    )
    return row


def insert_requests(db: Database | DatabaseProxy, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert request rows and update the project list (inside the caller's transaction)."""
    pg = is_postgres(db)
    values = [tuple(row[name] for name in REQUEST_COLUMNS) for row in rows]
    run_many(db, upsert_sql("request", REQUEST_COLUMNS, pg=pg), values)
    run_many(db, _project_upsert(pg), project_rows(rows))


def project_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None, float, float]]:
    """One (name, latest path, first ts, last ts) per project in a batch."""
    projects: dict[str, tuple[str, str | None, float, float]] = {}
    for row in rows:
        name, path, ts = row["project"], row["project_path"], row["ts"]
        _, old_path, first, last = projects.get(name, (name, None, ts, ts))
        projects[name] = (name, path or old_path, min(first, ts), max(last, ts))
    return list(projects.values())


def _project_upsert(pg: bool) -> str:
    update = (
        f"path = COALESCE(excluded.path, project.path), first_ts = {least(pg)}(project.first_ts, excluded.first_ts),"
        f" last_ts = {greatest(pg)}(project.last_ts, excluded.last_ts)"
    )
    return upsert_sql("project", _PROJECT_COLUMNS, ("name",), update, pg)
