"""Claude Code sessions as the dashboard and the HTTP API list them, from the per-session sums (session_rollup).

One row per session: its main project (the one with the most calls), start and last activity, calls, cost,
unpriced calls, cache hit rate and the share of calls made by subagents. Blocking: call from a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cco_tui.store.db import database, is_postgres


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_id: str
    project: str
    started: float
    last: float
    calls: int
    cost_usd: float
    unpriced: int
    cache_hit_rate: float | None  # None: the cache was never asked
    subagent_share: float


_QUERY = """SELECT session_id, project, first_ts, last_ts, requests, cost_usd, unpriced, cache_hits, cache_lookups,
    subagent_calls FROM session_rollup WHERE last_ts >= {mark} ORDER BY last_ts DESC"""


def list_sessions(since: float, project: str | None = None, limit: int = 50) -> list[SessionRow]:
    """Sessions active since `since`, most recent first; with `project`, those with calls in it."""
    mark = "%s" if is_postgres(database) else "?"
    with database.connection_context():
        rows = database.execute_sql(_QUERY.format(mark=mark), (since,)).fetchall()
    sessions = _merge(rows)
    if project is not None:
        sessions = {key: value for key, value in sessions.items() if project in value[1]}
    return [_row(key, value[0], value[1]) for key, value in list(sessions.items())[:limit]]


Parts = tuple[list[float], dict[str, int]]  # summed measures, calls per project


def _merge(rows: list[tuple[Any, ...]]) -> dict[str, Parts]:
    """A session that spans projects has one rollup row per project: add them up, keep the calls per project."""
    merged: dict[str, Parts] = {}
    for session, project, first, last, calls, cost, unpriced, hits, lookups, subagent in rows:
        sums, projects = merged.setdefault(str(session), ([float("inf"), 0.0, 0, 0.0, 0, 0, 0, 0], {}))
        sums[0], sums[1] = min(sums[0], float(first)), max(sums[1], float(last))
        for index, value in enumerate((calls, cost, unpriced, hits, lookups, subagent), start=2):
            sums[index] += float(value or 0)
        projects[str(project)] = projects.get(str(project), 0) + int(calls)
    return merged


def _row(session: str, sums: list[float], projects: dict[str, int]) -> SessionRow:
    started, last, calls, cost, unpriced, hits, lookups, subagent = sums
    return SessionRow(
        session_id=session,
        project=max(projects, key=lambda name: projects[name]),
        started=started,
        last=last,
        calls=int(calls),
        cost_usd=cost,
        unpriced=int(unpriced),
        cache_hit_rate=hits / lookups if lookups else None,
        subagent_share=subagent / calls if calls else 0.0,
    )


_MAIN_MODEL = """SELECT model FROM request WHERE session_id = {mark} AND agent_id IS NULL
    GROUP BY model ORDER BY COUNT(*) DESC, model LIMIT 1"""


def main_models(session_ids: list[str]) -> dict[str, str]:
    """The model each session's main loop used most (one indexed query per session: for a screenful)."""
    mark = "%s" if is_postgres(database) else "?"
    found: dict[str, str] = {}
    with database.connection_context():
        for session in session_ids:
            row = database.execute_sql(_MAIN_MODEL.format(mark=mark), (session,)).fetchone()
            found[session] = str(row[0]) if row and row[0] else ""
    return found


@dataclass(frozen=True, slots=True)
class SessionPart:
    """One kind of call within a session: the main loop, one subagent, or a side call class."""

    kind: str  # "main", "subagent <agent id>", or the request class of a side call (e.g. "background")
    model: str
    calls: int
    cost_usd: float
    unpriced: int


_DETAIL = """SELECT agent_id, request_class, route_reason, model, COUNT(*), COALESCE(SUM(cost_usd), 0), SUM(unpriced)
    FROM request WHERE session_id = {mark} GROUP BY agent_id, request_class, route_reason, model
    ORDER BY MIN(ts)"""


def session_detail(session_id: str) -> list[SessionPart]:
    """A session's calls split into its main loop, each subagent and its side calls (by model), oldest first."""
    mark = "%s" if is_postgres(database) else "?"
    with database.connection_context():
        rows = database.execute_sql(_DETAIL.format(mark=mark), (session_id,)).fetchall()
    return [_part(*row) for row in rows]


def _part(agent: Any, request_class: Any, reason: Any, model: Any, calls: Any, cost: Any, unpriced: Any) -> SessionPart:
    kind = f"subagent {agent}" if agent else _side_class(request_class, reason) or "main"
    return SessionPart(kind, str(model or "(no model)"), int(calls), float(cost), int(unpriced or 0))


def _side_class(request_class: Any, reason: Any) -> str | None:
    """Claude Code's own hint header when sent, else the routing classifier's verdict kept in the route reason."""
    if request_class and request_class != "main":
        return str(request_class)
    for side in ("background", "compaction"):
        if reason and side in str(reason):
            return side
    return None
