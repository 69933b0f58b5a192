"""Requests, cost and routing savings per route (which route chose the served model), from the raw rows.

Routes are not a rollup key: this reads request rows in the range (the index on ts bounds the scan), which is
fine for the short ranges the dashboard and `cco stats --by route` ask about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peewee import fn

from cco_tui.store.aggregate import Filter
from cco_tui.store.db import database
from cco_tui.store.models import RequestRow

Row = tuple[str, str | None, str, int, float, float, float]  # route, reason, model, requests, cost, routing, saved
UNROUTED = "-"  # rows recorded before routes were recorded (schema < 3), or refused before routing


@dataclass(frozen=True, slots=True)
class RouteGroup:
    route: str
    reason: str  # the most common reason in the group ("pattern", "when agent=subagent", …)
    served_models: str  # the models this route served, most requests first, comma-separated
    requests: int
    cost_usd: float
    saved_routing_usd: float  # negative when the served models cost more than the requested ones
    saved_usd: float  # every kind of saving


def by_route(f: Filter | None = None) -> list[RouteGroup]:
    """One group per route, most requests first."""
    f = f or Filter()
    r = RequestRow
    saved = r.saved_cache_usd + r.saved_local_usd + r.saved_prompt_cache_usd + r.saved_routing_usd
    query = r.select(
        fn.COALESCE(r.route, UNROUTED),
        r.route_reason,
        r.model,
        fn.COUNT(r.id),
        _total(r.cost_usd),
        _total(r.saved_routing_usd),
        _total(saved),
    )
    query = query.where(*_conditions(f)) if _conditions(f) else query
    with database.connection_context():
        grouped = query.group_by(fn.COALESCE(r.route, UNROUTED), r.route_reason, r.model).tuples()
        rows: list[Row] = list(grouped.execute())
    return _fold(rows)


def _total(column: Any) -> Any:
    """0.0 for a group of NULLs (unpriced rows), in SQLite and PostgreSQL alike."""
    return fn.COALESCE(fn.SUM(column), 0.0)


def _conditions(f: Filter) -> list[object]:
    r = RequestRow
    conditions: list[object] = []
    if f.since is not None:
        conditions.append(r.ts >= f.since)
    if f.until is not None:
        conditions.append(r.ts < f.until)
    if f.project is not None:
        conditions.append(r.project == f.project)
    return conditions


def _fold(rows: list[Row]) -> list[RouteGroup]:
    """(route, reason, model) rows → one group per route."""
    parts: dict[str, list[tuple[str | None, str, int, float, float, float]]] = {}
    for route, reason, model, n, cost, routing, saved in rows:
        parts.setdefault(str(route), []).append((reason, model, int(n), float(cost), float(routing), float(saved)))
    groups = [_group(route, items) for route, items in parts.items()]
    return sorted(groups, key=lambda g: (-g.requests, g.route))


def _group(route: str, items: list[tuple[str | None, str, int, float, float, float]]) -> RouteGroup:
    by_count = sorted(items, key=lambda item: -item[2])
    models = list(dict.fromkeys(item[1] for item in by_count))
    return RouteGroup(
        route=route,
        reason=by_count[0][0] or "",
        served_models=", ".join(models),
        requests=sum(item[2] for item in items),
        cost_usd=sum(item[3] for item in items),
        saved_routing_usd=sum(item[4] for item in items),
        saved_usd=sum(item[5] for item in items),
    )
