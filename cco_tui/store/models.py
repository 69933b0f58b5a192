"""Peewee models. The tables themselves are created by migrations.py (explicit, versioned DDL).

`request` holds one row per request. Aggregates over a million rows cannot scan them in 100 ms, so the writer
also keeps hour, day and week rollups (sums per project/provider/model) and day and week latency histograms,
and queries combine whole weeks, days, hours and raw rows at the edges of a time range.
"""

from __future__ import annotations

from peewee import BooleanField, CompositeKey, FloatField, IntegerField, Model, TextField

from cco_tui.store.db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class RequestRow(BaseModel):
    id = IntegerField(primary_key=True)
    request_id = TextField()
    ts = FloatField()  # epoch seconds at arrival
    project = TextField()
    project_path = TextField(null=True)
    session_id = TextField(null=True)
    client = TextField()
    endpoint = TextField()
    requested_model = TextField()
    served_model = TextField(null=True)
    model = TextField()  # served, else original (cache hit), else requested: the one priced and grouped by
    provider = TextField()
    stream = BooleanField()
    status = IntegerField()
    error_type = TextField(null=True)
    is_error = IntegerField()  # 0/1 so it sums
    input_tokens = IntegerField()
    output_tokens = IntegerField()
    cache_write_5m_tokens = IntegerField()
    cache_write_1h_tokens = IntegerField()
    cache_read_tokens = IntegerField()
    cost_usd = FloatField(null=True)  # NULL = unpriced
    unpriced = IntegerField()
    saved_cache_usd = FloatField()
    saved_local_usd = FloatField()
    saved_prompt_cache_usd = FloatField()
    cache_status = TextField()
    cache_hit = IntegerField()
    cache_lookup = IntegerField()  # 1 when the cache was consulted (hit or miss): the hit-rate denominator
    attempts = IntegerField()
    latency_ms = FloatField(null=True)
    ttfb_ms = FloatField(null=True)
    upstream_ms = FloatField(null=True)
    overhead_ms = FloatField(null=True)
    latency_bucket = IntegerField(null=True)  # see latency.py
    request_bytes = IntegerField()
    response_bytes = IntegerField()
    original_model = TextField(null=True)
    key_id = TextField(null=True)
    rule = TextField(null=True)
    agent_id = TextField(null=True)  # x-claude-code-agent-id: set on a subagent's calls
    parent_agent_id = TextField(null=True)  # x-claude-code-parent-agent-id
    request_class = TextField(null=True)  # x-claude-code-request-class (hint header, when sent)
    agent_type = TextField(null=True)  # x-claude-code-agent-type (hint header, when sent)
    route = TextField(null=True)  # the route's name or index (schema v3)
    route_reason = TextField(null=True)
    saved_routing_usd = FloatField(default=0.0)
    billing = TextField()  # "api" | "subscription" (cost_usd is then API-equivalent, not billed)

    class Meta:
        table_name = "request"


class Rollup(BaseModel):
    """Sums for one (period, project, provider, model); same measure names as queries use for raw rows."""

    period = IntegerField()  # epoch seconds at the start of the hour/day (UTC)
    project = TextField()
    provider = TextField()
    model = TextField()
    requests = IntegerField()
    errors = IntegerField()
    input_tokens = IntegerField()
    output_tokens = IntegerField()
    cache_write_5m_tokens = IntegerField()
    cache_write_1h_tokens = IntegerField()
    cache_read_tokens = IntegerField()
    cost_usd = FloatField()
    unpriced = IntegerField()
    saved_cache_usd = FloatField()
    saved_local_usd = FloatField()
    saved_prompt_cache_usd = FloatField()
    saved_routing_usd = FloatField(default=0.0)
    cache_hits = IntegerField()
    cache_lookups = IntegerField()
    latency_sum_ms = FloatField()
    latency_count = IntegerField()
    last_ts = FloatField()

    class Meta:
        primary_key = CompositeKey("period", "project", "provider", "model")


class HourRollup(Rollup):
    class Meta:
        table_name = "rollup_hour"


class DayRollup(Rollup):
    class Meta:
        table_name = "rollup_day"


class WeekRollup(Rollup):
    class Meta:
        table_name = "rollup_week"


class LatencyHistogram(BaseModel):
    """Requests per latency bucket for one slice of one period.

    A slice is what one query asks about, so each query reads only its own rows: all requests
    (scope "", dim ""), one group of one dimension machine-wide (scope "", dim "model", key "gpt-4o"), or
    within one project (scope "web", dim "model", key "gpt-4o").
    """

    scope = TextField()  # "" = all projects, else the project name
    dim = TextField()  # "", "project", "model" or "provider"
    period = IntegerField()
    key = TextField()  # the group's value ("" when dim is "")
    bucket = IntegerField()
    n = IntegerField()

    class Meta:
        primary_key = CompositeKey("scope", "dim", "period", "key", "bucket")


class DayLatency(LatencyHistogram):
    class Meta:
        table_name = "latency_day"


class WeekLatency(LatencyHistogram):
    class Meta:
        table_name = "latency_week"


class ProjectRow(BaseModel):
    name = TextField(primary_key=True)
    path = TextField(null=True)  # the latest working directory seen for it
    first_ts = FloatField()
    last_ts = FloatField()

    class Meta:
        table_name = "project"
