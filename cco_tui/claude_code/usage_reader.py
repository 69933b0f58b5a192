"""Read-only, standard-library-only queries on the analytics database, for the Claude Code commands.

The store package opens its database through Peewee and migrates it; a status line that runs on every Claude
Code turn can afford neither the imports nor a write lock. These queries open the file with `mode=ro` and
use the store's indexes: `request_session` (session_id, ts), `request_project_ts`, `rollup_hour_project`.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HOUR_S = 3600
DEFAULT_PROJECT = "default"  # rows with no working directory (attribution.DEFAULT_PROJECT)

_MEASURES = """COUNT(*), MIN(ts), MAX(ts), TOTAL(cost_usd), TOTAL(unpriced),
    TOTAL(saved_cache_usd + saved_local_usd + saved_prompt_cache_usd), TOTAL(cache_hit), TOTAL(cache_lookup),
    TOTAL(input_tokens), TOTAL(output_tokens), TOTAL(cache_read_tokens),
    TOTAL(cache_write_5m_tokens + cache_write_1h_tokens)"""


@dataclass(slots=True)
class SessionUsage:
    """One Claude Code session (x-claude-code-session-id) as recorded by cco."""

    session_id: str
    project: str = DEFAULT_PROJECT
    start: float = 0.0
    end: float = 0.0
    calls: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    saved_usd: float = 0.0
    cache_hits: int = 0
    cache_lookups: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    subagent_calls: int = 0  # calls that carried x-claude-code-agent-id
    projects: dict[str, int] = field(default_factory=dict)  # calls per project, to name the main one

    @property
    def prompt_cache_read_share(self) -> float:
        """Share of the input that was read from the provider's prompt cache."""
        total = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        return self.cache_read_tokens / total if total else 0.0

    def add(self, project: str, values: tuple[float, ...], subagent_calls: int = 0) -> None:
        """Fold one (session, project) group of rows into the session."""
        calls, start, end = int(values[0]), float(values[1] or 0), float(values[2] or 0)
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
        self.subagent_calls += subagent_calls
        self.projects[project] = self.projects.get(project, 0) + calls
        self.project = main_project(self.projects)


def main_project(calls: dict[str, int]) -> str:
    """The project with most calls; side calls without a working directory ("default") only as a last resort."""
    named = {name: n for name, n in calls.items() if name != DEFAULT_PROJECT} or calls
    return max(named, key=lambda name: (named[name], name))


def connect(path: Path) -> sqlite3.Connection:
    """The database opened read-only: never created, never migrated, never locked for writing."""
    uri = f"file:{quote(str(path.expanduser().absolute()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=1.0)


def session_usage(db: sqlite3.Connection, session_id: str) -> SessionUsage:
    session = SessionUsage(session_id)
    sql = f"SELECT project, {_MEASURES}, TOTAL(agent_id IS NOT NULL) FROM request WHERE session_id = ? GROUP BY project"
    for project, *values in db.execute(sql, (session_id,)):
        session.add(project, tuple(values[:-1]), int(values[-1]))
    return session


def sessions(db: sqlite3.Connection, project: str | None = None, since: float | None = None) -> list[SessionUsage]:
    """Every recorded session (oldest first), optionally only those active in a project or since a time."""
    conditions, params = ["session_id IS NOT NULL"], list[object]()
    if since is not None:
        conditions.append("ts >= ?")
        params.append(since)
    sql = (
        f"SELECT session_id, project, {_MEASURES}, TOTAL(agent_id IS NOT NULL) FROM request"
        f" WHERE {' AND '.join(conditions)} GROUP BY session_id, project"
    )
    found: dict[str, SessionUsage] = {}
    for session_id, row_project, *values in db.execute(sql, params):
        session = found.setdefault(session_id, SessionUsage(session_id))
        session.add(row_project, tuple(values[:-1]), int(values[-1]))
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


@dataclass(frozen=True, slots=True)
class PlanMeter:
    five_hour_utilization: float  # 0..1
    resets_at: float | None  # epoch seconds


# The seam for plan limits (anthropic-ratelimit-unified-* headers): once the store keeps them in a `plan_limit`
# table, the status line shows the most recently updated credential's 5-hour meter. Until then: nothing.
_PLAN_SQL = (
    "SELECT five_hour_utilization, five_hour_resets_at FROM plan_limit"
    " WHERE five_hour_utilization IS NOT NULL ORDER BY updated_at DESC LIMIT 1"
)


def plan_meter(db: sqlite3.Connection) -> PlanMeter | None:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'plan_limit'").fetchone()
    if not exists:
        return None
    try:
        row = db.execute(_PLAN_SQL).fetchone()
    except sqlite3.OperationalError:  # a table of another shape: show no meter rather than break the line
        return None
    return PlanMeter(float(row[0]), row[1]) if row else None
