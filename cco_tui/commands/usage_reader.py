"""Read-only, standard-library-only queries on the analytics database, for the Claude Code commands.

The store package opens its database through Peewee and migrates it; a status line that runs on every Claude
Code turn can afford neither the imports nor a write lock. These queries open the file with `mode=ro` and
read the sums the writer keeps: `session_rollup` (per session and project), `rollup_hour` (per hour and project).
Plain classes, not dataclasses, and no pathlib or urllib: each import is paid on every Claude Code turn.
"""

from __future__ import annotations

import math
import os
import sqlite3

HOUR_S = 3600
DEFAULT_PROJECT = "default"  # rows with no working directory (attribution.DEFAULT_PROJECT)

# session_rollup's measures (store/sessions.py keeps them), in the order SessionUsage.add() reads them
_MEASURES = """first_ts, last_ts, requests, cost_usd, unpriced, saved_usd, cache_hits, cache_lookups, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, subagent_calls"""


class SessionUsage:
    """One Claude Code session (x-claude-code-session-id) as recorded by cco."""

    __slots__ = (
        "cache_hits",
        "cache_lookups",
        "cache_read_tokens",
        "cache_write_tokens",
        "calls",
        "cost_usd",
        "end",
        "input_tokens",
        "output_tokens",
        "project",
        "projects",
        "saved_usd",
        "session_id",
        "start",
        "subagent_calls",
        "unpriced_calls",
    )

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.project = DEFAULT_PROJECT
        self.start = self.end = self.cost_usd = self.saved_usd = 0.0
        self.calls = self.unpriced_calls = self.cache_hits = self.cache_lookups = self.subagent_calls = 0
        self.input_tokens = self.output_tokens = self.cache_read_tokens = self.cache_write_tokens = 0
        self.projects: dict[str, int] = {}  # calls per project, to name the main one

    @property
    def prompt_cache_read_share(self) -> float:
        """Share of the input that was read from the provider's prompt cache."""
        total = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        return self.cache_read_tokens / total if total else 0.0

    def add(self, project: str, values: tuple[float, ...]) -> None:
        """Fold one session_rollup row (the session's calls in one project) into the session, _MEASURES order."""
        start, end, calls = float(values[0]), float(values[1]), int(values[2])
        self.start = min(self.start, start) if self.calls else start
        self.end = max(self.end, end)
        self.calls += calls
        self.cost_usd += values[3]
        self.unpriced_calls += int(values[4])
        self.saved_usd += values[5]
        self.cache_hits += int(values[6])
        self.cache_lookups += int(values[7])
        self.input_tokens += int(values[8])
        self.output_tokens += int(values[9])
        self.cache_read_tokens += int(values[10])
        self.cache_write_tokens += int(values[11])
        self.subagent_calls += int(values[12])
        self.projects[project] = self.projects.get(project, 0) + calls
        self.project = main_project(self.projects)


def main_project(calls: dict[str, int]) -> str:
    """The project with most calls; side calls without a working directory ("default") only as a last resort."""
    named = {name: n for name, n in calls.items() if name != DEFAULT_PROJECT} or calls
    return max(named, key=lambda name: (named[name], name))


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """The database opened read-only: never created, never migrated, never locked for writing."""
    absolute = os.path.abspath(os.path.expanduser(os.fspath(path)))
    escaped = absolute.replace("%", "%25").replace("?", "%3f").replace("#", "%23")  # the URI's own characters
    return sqlite3.connect(f"file:{escaped}?mode=ro", uri=True, timeout=1.0)


def session_usage(db: sqlite3.Connection, session_id: str) -> SessionUsage:
    session = SessionUsage(session_id)
    for project, *values in db.execute(
        f"SELECT project, {_MEASURES} FROM session_rollup WHERE session_id = ?", (session_id,)
    ):
        session.add(project, tuple(values))
    return session


def sessions(db: sqlite3.Connection, project: str | None = None, since: float | None = None) -> list[SessionUsage]:
    """Every recorded session (oldest first); optionally only those with calls in a project, or active since."""
    sql = f"SELECT session_id, project, {_MEASURES} FROM session_rollup"
    rows = db.execute(sql + " WHERE last_ts >= ?", (since,)) if since is not None else db.execute(sql)
    found: dict[str, SessionUsage] = {}
    for session_id, row_project, *values in rows:
        found.setdefault(session_id, SessionUsage(session_id)).add(row_project, tuple(values))
    listed = [s for s in found.values() if project is None or project in s.projects]
    return sorted(listed, key=lambda s: (s.start, s.session_id))


def project_cost_since(db: sqlite3.Connection, project: str, since: float) -> float:
    """A project's cost from `since` to now: raw rows up to the next whole hour, hour rollups after it.

    The writer updates the rollups in the same transaction as the rows, so the current hour is complete."""
    next_hour = math.ceil(since / HOUR_S) * HOUR_S
    raw_sql = "SELECT TOTAL(cost_usd) FROM request WHERE project = ? AND ts >= ? AND ts < ?"
    raw = db.execute(raw_sql, (project, since, next_hour)).fetchone()[0]
    rolled_sql = "SELECT TOTAL(cost_usd) FROM rollup_hour WHERE project = ? AND period >= ?"
    rolled = db.execute(rolled_sql, (project, next_hour)).fetchone()[0]
    return float(raw) + float(rolled)


class PlanMeter:
    __slots__ = ("five_hour_utilization", "resets_at")

    def __init__(self, five_hour_utilization: float, resets_at: float | None) -> None:
        self.five_hour_utilization = five_hour_utilization  # 0..1
        self.resets_at = resets_at  # epoch seconds


# Plan limits (anthropic-ratelimit-unified-* headers) as the server keeps them (store/meters.py): one row per
# credential, its meters as JSON with utilization in percent. The most recently updated 5-hour meter is shown.
_PLAN_SQL = (
    "SELECT json_extract(detail, '$.five_hour.utilization'), json_extract(detail, '$.five_hour.resets_at')"
    " FROM credential_meter WHERE json_extract(detail, '$.five_hour.utilization') IS NOT NULL"
    " ORDER BY updated_ts DESC LIMIT 1"
)


def plan_meter(db: sqlite3.Connection) -> PlanMeter | None:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'credential_meter'").fetchone()
    if not exists:
        return None
    try:
        row = db.execute(_PLAN_SQL).fetchone()
    except sqlite3.OperationalError:  # a table of another shape: show no meter rather than break the line
        return None
    return PlanMeter(float(row[0]) / 100, row[1]) if row else None
