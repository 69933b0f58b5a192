"""The Current Project tab's sessions table: each Claude Code session with calls in the project (issue 17).

Rows come from the per-session sums (store/session_list.py), so the table costs the same however long a session
ran. A project with no session ids (clients other than Claude Code) shows no table at all.
"""

from __future__ import annotations

from datetime import timedelta

from cco_tui.store.session_list import SessionRow, list_sessions, main_models
from cco_tui.tui import formatting as fmt

SESSION_COLUMNS = ("started", "session", "duration", "model", "calls", "cost", "cache hits", "subagents")
SESSION_RIGHT = ("duration", "calls", "cost", "cache hits", "subagents")
SESSIONS_WINDOW_S = 7 * 86400
SESSIONS_SHOWN = 10


def load_sessions(project: str, now: float) -> tuple[list[SessionRow], dict[str, str]]:
    """The sessions and each one's main model. Blocking: call from a worker thread."""
    sessions = list_sessions(now - SESSIONS_WINDOW_S, project, SESSIONS_SHOWN)
    return sessions, main_models([session.session_id for session in sessions])


def session_row(session: SessionRow, model: str, now: float) -> tuple[str, ...]:
    unpriced = f" + {session.unpriced} unpriced" if session.unpriced else ""
    return (
        fmt.clock_time(session.started, now),
        fmt.shorten(session.session_id, 13),
        fmt.duration(timedelta(seconds=max(session.last - session.started, 0.0))),
        fmt.shorten(fmt.model_name(model), 24) if model else "-",
        fmt.count(session.calls),
        fmt.usd(session.cost_usd) + unpriced,
        fmt.percent(session.cache_hit_rate) if session.cache_hit_rate is not None else "-",
        fmt.percent(session.subagent_share),
    )


def session_rows(sessions: list[SessionRow], models: dict[str, str], now: float) -> tuple[tuple[str, ...], ...]:
    return tuple(session_row(session, models.get(session.session_id, ""), now) for session in sessions)
