"""Read API over the analytics database, for the dashboard, the HTTP stats API and the CLI.

Every function is synchronous and blocking: call it from a worker thread (`asyncio.to_thread`, a Textual
thread worker). Each call opens and closes its own connection. open_database() must have run first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from peewee import fn

from cco_tui.store.aggregate import HOURLY_LEVELS, Filter, Histogram, histograms, sums
from cco_tui.store.db import database
from cco_tui.store.latency import percentile
from cco_tui.store.models import ProjectRow, RequestRow
from cco_tui.store.rollup import Measures, empty_measures
from cco_tui.store.timeseries import fold_buckets

__all__ = [
    "Bucket",
    "BurnRate",
    "Filter",
    "Group",
    "ProjectInfo",
    "RecentRequest",
    "Totals",
    "breakdown",
    "burn_rate",
    "projects",
    "recent",
    "timeseries",
    "totals",
]

BucketSize = Literal["hour", "day"]
Dimension = Literal["model", "project", "provider"]
DIMENSIONS: tuple[Dimension, ...] = ("model", "project", "provider")
BUCKET_SIZES: tuple[BucketSize, ...] = ("hour", "day")
MIN_PROJECTION_HISTORY_S = 30 * 60  # the day is projected only from a rate seen over at least this long


@dataclass(frozen=True, slots=True)
class Totals:
    requests: int
    errors: int
    error_rate: float  # errors / requests; 0 when there are none
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int  # 5m + 1h
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    cache_read_tokens: int
    cost_usd: float  # priced requests only; see unpriced_requests
    unpriced_requests: int
    saved_cache_usd: float
    saved_local_usd: float
    saved_prompt_cache_usd: float
    saved_routing_usd: float
    saved_usd: float
    cache_hits: int
    cache_lookups: int
    cache_hit_rate: float  # hits / (hits + misses); 0 when the cache was never consulted
    latency_avg_ms: float | None
    latency_p50_ms: float | None  # from log buckets: within ±2.2 %
    latency_p95_ms: float | None
    last_activity: float | None


@dataclass(frozen=True, slots=True)
class Bucket:
    bucket_start: float  # epoch: the UTC hour, or local midnight for days
    requests: int
    errors: int
    cost_usd: float
    saved_usd: float
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cache_hits: int
    unpriced_requests: int
    latency_avg_ms: float | None


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    requests: int
    errors: int
    error_rate: float
    cost_usd: float
    saved_usd: float
    tokens: int  # all kinds
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cache_hit_rate: float
    latency_avg_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cost_per_call: float | None  # over priced requests
    unpriced_requests: int
    last_activity: float | None


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    name: str
    path: str | None
    requests: int
    cost_usd: float
    saved_usd: float
    first_seen: float
    last_activity: float


@dataclass(frozen=True, slots=True)
class RecentRequest:
    ts: float
    request_id: str
    project: str
    model: str
    requested_model: str
    provider: str
    client: str
    stream: bool
    status: int
    error_type: str | None
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    tokens: int
    cost_usd: float | None  # None: unpriced
    saved_usd: float
    cache_status: str
    latency_ms: float | None
    ttfb_ms: float | None


@dataclass(frozen=True, slots=True)
class BurnRate:
    project: str | None  # None: machine-wide
    now: float
    usd_per_hour: float  # cost over the last hour
    tokens_per_hour: int
    requests_per_hour: int
    cost_today_usd: float  # since local midnight
    projected_today_usd: float | None  # today so far + the hourly rate until midnight; None: too little history
    day_start: float
    day_end: float
    history_s: float  # how much of the last hour the rate rests on: since its first request (0: none)


def totals(f: Filter | None = None) -> Totals:
    f = f or Filter()
    with database.connection_context():
        measures = sums(f).get(None, empty_measures())
        histogram = histograms(f).get(None, {})
    return _totals(measures, histogram)


def timeseries(f: Filter | None = None, bucket: BucketSize = "hour") -> list[Bucket]:
    """Buckets from the first to the last (or to since/until when given), gaps filled with zeros."""
    f = f or Filter()
    if bucket not in BUCKET_SIZES:
        raise ValueError(f"bucket must be one of {BUCKET_SIZES}, not {bucket!r}")
    with database.connection_context():
        hourly = sums(f, "hour", HOURLY_LEVELS)
    return [_bucket(start, measures) for start, measures in fold_buckets(hourly, bucket, f.since, f.until)]


def breakdown(f: Filter | None = None, dim: Dimension = "model") -> list[Group]:
    """One group per model/project/provider, most expensive first."""
    f = f or Filter()
    if dim not in DIMENSIONS:
        raise ValueError(f"dim must be one of {DIMENSIONS}, not {dim!r}")
    with database.connection_context():
        grouped = sums(f, dim)
        latency = histograms(f, dim)
    groups = [_group(str(key), measures, latency.get(key, {})) for key, measures in grouped.items()]
    return sorted(groups, key=lambda g: (-g.cost_usd, -g.requests, g.key))


def projects() -> list[ProjectInfo]:
    """Every project seen, most recently active first."""
    with database.connection_context():
        rows = list(ProjectRow.select().order_by(ProjectRow.last_ts.desc()))
        grouped = sums(Filter(), "project")
    return [_project(row, grouped.get(row.name, empty_measures())) for row in rows]


def recent(limit: int = 50, project: str | None = None) -> list[RecentRequest]:
    """The latest requests, newest first."""
    r = RequestRow
    query = r.select().order_by(r.ts.desc(), r.id.desc()).limit(max(limit, 0))
    if project is not None:
        query = query.where(r.project == project)
    with database.connection_context():
        return [_recent(row) for row in query]


def burn_rate(project: str | None = None, now: float | None = None) -> BurnRate:
    now = time.time() if now is None else now
    day_start, day_end = _local_day(now)
    with database.connection_context():
        hour = sums(Filter(project, now - 3600, now)).get(None, empty_measures())
        today = sums(Filter(project, day_start, now)).get(None, empty_measures())
        first = _first_request(project, now - 3600, now)
    rate = hour["cost_usd"]
    history = 0.0 if first is None else now - first
    # One burst is not a rate: $0.33 spent a minute ago projected "today ≈ $7.30".
    enough = history >= MIN_PROJECTION_HISTORY_S
    projected = today["cost_usd"] + rate * max(day_end - now, 0) / 3600 if enough else None
    return BurnRate(
        project=project,
        now=now,
        usd_per_hour=rate,
        tokens_per_hour=_tokens(hour),
        requests_per_hour=int(hour["requests"]),
        cost_today_usd=today["cost_usd"],
        projected_today_usd=projected,
        day_start=day_start,
        day_end=day_end,
        history_s=history,
    )


def _first_request(project: str | None, since: float, until: float) -> float | None:
    r = RequestRow
    query = r.select(fn.MIN(r.ts)).where(r.ts >= since, r.ts <= until)
    if project is not None:
        query = query.where(r.project == project)
    first = query.scalar()
    return None if first is None else float(first)


def _totals(m: Measures, histogram: Histogram) -> Totals:
    return Totals(
        requests=int(m["requests"]),
        errors=int(m["errors"]),
        error_rate=_ratio(m["errors"], m["requests"]),
        input_tokens=int(m["input_tokens"]),
        output_tokens=int(m["output_tokens"]),
        cache_write_tokens=int(m["cache_write_5m_tokens"] + m["cache_write_1h_tokens"]),
        cache_write_5m_tokens=int(m["cache_write_5m_tokens"]),
        cache_write_1h_tokens=int(m["cache_write_1h_tokens"]),
        cache_read_tokens=int(m["cache_read_tokens"]),
        cost_usd=m["cost_usd"],
        unpriced_requests=int(m["unpriced"]),
        saved_cache_usd=m["saved_cache_usd"],
        saved_local_usd=m["saved_local_usd"],
        saved_prompt_cache_usd=m["saved_prompt_cache_usd"],
        saved_routing_usd=m["saved_routing_usd"],
        saved_usd=_saved(m),
        cache_hits=int(m["cache_hits"]),
        cache_lookups=int(m["cache_lookups"]),
        cache_hit_rate=_ratio(m["cache_hits"], m["cache_lookups"]),
        latency_avg_ms=_average_latency(m),
        latency_p50_ms=percentile(histogram, 0.50),
        latency_p95_ms=percentile(histogram, 0.95),
        last_activity=m["last_ts"] or None,
    )


def _bucket(start: float, m: Measures) -> Bucket:
    return Bucket(
        bucket_start=start,
        requests=int(m["requests"]),
        errors=int(m["errors"]),
        cost_usd=m["cost_usd"],
        saved_usd=_saved(m),
        input_tokens=int(m["input_tokens"]),
        output_tokens=int(m["output_tokens"]),
        cache_write_tokens=int(m["cache_write_5m_tokens"] + m["cache_write_1h_tokens"]),
        cache_read_tokens=int(m["cache_read_tokens"]),
        cache_hits=int(m["cache_hits"]),
        unpriced_requests=int(m["unpriced"]),
        latency_avg_ms=_average_latency(m),
    )


def _group(key: str, m: Measures, histogram: Histogram) -> Group:
    priced = m["requests"] - m["unpriced"]
    return Group(
        key=key,
        requests=int(m["requests"]),
        errors=int(m["errors"]),
        error_rate=_ratio(m["errors"], m["requests"]),
        cost_usd=m["cost_usd"],
        saved_usd=_saved(m),
        tokens=_tokens(m),
        input_tokens=int(m["input_tokens"]),
        output_tokens=int(m["output_tokens"]),
        cache_write_tokens=int(m["cache_write_5m_tokens"] + m["cache_write_1h_tokens"]),
        cache_read_tokens=int(m["cache_read_tokens"]),
        cache_hit_rate=_ratio(m["cache_hits"], m["cache_lookups"]),
        latency_avg_ms=_average_latency(m),
        latency_p50_ms=percentile(histogram, 0.50),
        latency_p95_ms=percentile(histogram, 0.95),
        cost_per_call=m["cost_usd"] / priced if priced > 0 else None,
        unpriced_requests=int(m["unpriced"]),
        last_activity=m["last_ts"] or None,
    )


def _project(row: ProjectRow, m: Measures) -> ProjectInfo:
    return ProjectInfo(
        name=row.name,
        path=row.path,
        requests=int(m["requests"]),
        cost_usd=m["cost_usd"],
        saved_usd=_saved(m),
        first_seen=row.first_ts,
        last_activity=row.last_ts,
    )


def _recent(row: RequestRow) -> RecentRequest:
    cache_write = row.cache_write_5m_tokens + row.cache_write_1h_tokens
    return RecentRequest(
        ts=row.ts,
        request_id=row.request_id,
        project=row.project,
        model=row.model,
        requested_model=row.requested_model,
        provider=row.provider,
        client=row.client,
        stream=bool(row.stream),
        status=row.status,
        error_type=row.error_type,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cache_write_tokens=cache_write,
        cache_read_tokens=row.cache_read_tokens,
        tokens=row.input_tokens + row.output_tokens + cache_write + row.cache_read_tokens,
        cost_usd=row.cost_usd,
        saved_usd=row.saved_cache_usd + row.saved_local_usd + row.saved_prompt_cache_usd + row.saved_routing_usd,
        cache_status=row.cache_status,
        latency_ms=row.latency_ms,
        ttfb_ms=row.ttfb_ms,
    )


def _local_day(now: float) -> tuple[float, float]:
    start = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime.fromordinal(start.toordinal() + 1)
    return start.timestamp(), end.timestamp()


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _saved(m: Measures) -> float:
    return m["saved_cache_usd"] + m["saved_local_usd"] + m["saved_prompt_cache_usd"] + m["saved_routing_usd"]


def _tokens(m: Measures) -> int:
    kinds = (
        "input_tokens",
        "output_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "cache_read_tokens",
    )
    return int(sum(m[kind] for kind in kinds))


def _average_latency(m: Measures) -> float | None:
    return round(m["latency_sum_ms"] / m["latency_count"], 1) if m["latency_count"] else None
