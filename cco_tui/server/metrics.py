"""Prometheus metrics (own registry), updated by the record writer thread; served at GET /metrics.

Labels are model, provider and project, never anything derived from a key or a prompt. Clients choose model and
project names, so label values are bounded: a model is named only when it has a price (the configured pricing
table), a project only among the first MAX_PROJECT_LABELS seen; the rest count under "other". Each label set
costs memory for the life of the process, so an unbounded one would let any client grow cco without limit.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from quart import Blueprint, Response

from cco_tui.costs.savings import Costing
from cco_tui.store.record import RequestRecord
from cco_tui.store.writer import WriterStats

LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
OVERHEAD_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
_LABELS = ("model", "provider", "project")
OTHER = "other"
MAX_PROJECT_LABELS = 200
_TOKEN_KINDS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_write_5m", "cache_write_5m_tokens"),
    ("cache_write_1h", "cache_write_1h_tokens"),
    ("cache_read", "cache_read_tokens"),
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._projects: set[str] = set()
        self._projects_lock = threading.Lock()
        counter = functools.partial(Counter, registry=self.registry)
        timing = functools.partial(Histogram, labelnames=_LABELS, buckets=LATENCY_BUCKETS_S, registry=self.registry)
        self.requests = counter(
            "cco_requests", "Requests by status class and cache result", [*_LABELS, "status", "cache"]
        )
        self.tokens = counter("cco_tokens", "Billed tokens by kind", [*_LABELS, "kind"])
        self.cost = counter("cco_cost_usd", "Cost of priced requests in USD", _LABELS)
        self.unpriced = counter("cco_unpriced_requests", "Requests whose model has no price", _LABELS)
        self.savings = counter(
            "cco_savings_usd", "USD saved by kind: cache, local, prompt_cache, routing", [*_LABELS, "kind"]
        )
        self.cache = counter("cco_cache_results", "Response cache results", ["result"])
        self.latency = timing("cco_request_latency_seconds", "Arrival to last byte")
        self.ttfb = timing("cco_time_to_first_byte_seconds", "Arrival to first byte")
        self.overhead = Histogram(
            "cco_overhead_seconds", "Time cco itself added", ["provider"], buckets=OVERHEAD_BUCKETS_S,
            registry=self.registry,
        )  # fmt: skip

    def observe(self, record: RequestRecord, costing: Costing) -> None:
        """Count one finished request (called from the writer thread; prometheus-client is thread-safe)."""
        labels = (OTHER if costing.unpriced else record.model, record.provider, self._project_label(record.project))
        status = f"{record.status // 100}xx" if record.status else "none"
        self.requests.labels(*labels, status, record.cache_status).inc()
        self.cache.labels(record.cache_status).inc()
        self._count_tokens(record, labels)
        self._count_money(costing, labels)
        self._observe_times(record, labels)

    def _project_label(self, project: str) -> str:
        with self._projects_lock:
            if project in self._projects:
                return project
            if len(self._projects) < MAX_PROJECT_LABELS:
                self._projects.add(project)
                return project
        return OTHER

    def watch_writer(self, stats: Callable[[], WriterStats]) -> None:
        """Expose the writer's queue depth and counters, read at scrape time."""
        for name, doc, field in (
            ("cco_store_queue_depth", "Request records waiting to be written", "queued"),
            ("cco_store_written_records", "Request records written", "written"),
            ("cco_store_dropped_records", "Request records dropped because the queue was full", "dropped"),
            ("cco_store_failed_records", "Request records lost to database errors", "failed"),
            ("cco_store_unreachable", "1 while the database is unreachable and the writer retries", "retrying"),
        ):
            gauge = Gauge(name, doc, registry=self.registry)
            gauge.set_function(functools.partial(_writer_stat, stats, field))

    def _count_tokens(self, record: RequestRecord, labels: tuple[str, str, str]) -> None:
        for kind, attribute in _TOKEN_KINDS:
            count = getattr(record, attribute)
            if count:
                self.tokens.labels(*labels, kind).inc(count)

    def _count_money(self, costing: Costing, labels: tuple[str, str, str]) -> None:
        if costing.cost_usd is None:
            self.unpriced.labels(*labels).inc()
        else:
            self.cost.labels(*labels).inc(costing.cost_usd)
        for kind, amount in (
            ("cache", costing.saved_cache_usd),
            ("local", costing.saved_local_usd),
            ("prompt_cache", costing.saved_prompt_cache_usd),
            ("routing", costing.saved_routing_usd),
        ):
            if amount:
                self.savings.labels(*labels, kind).inc(amount)

    def _observe_times(self, record: RequestRecord, labels: tuple[str, str, str]) -> None:
        if record.latency_ms is not None:
            self.latency.labels(*labels).observe(record.latency_ms / 1000)
        if record.ttfb_ms is not None:
            self.ttfb.labels(*labels).observe(record.ttfb_ms / 1000)
        if record.overhead_ms is not None:
            self.overhead.labels(record.provider).observe(record.overhead_ms / 1000)


def _writer_stat(stats: Callable[[], WriterStats], field: str) -> float:
    return float(getattr(stats(), field))


def metrics_blueprint(metrics: Metrics) -> Blueprint:
    blueprint = Blueprint("cco_metrics", __name__)

    @blueprint.get("/metrics")
    async def scrape() -> Response:
        body = await asyncio.to_thread(generate_latest, metrics.registry)
        return Response(body, content_type=CONTENT_TYPE_LATEST)

    return blueprint
