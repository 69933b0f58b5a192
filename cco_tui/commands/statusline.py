"""`cco statusline`: one line for Claude Code's `statusLine` setting, printed after every turn.

Claude Code pipes a JSON object to the command (session_id, cwd, workspace.project_dir, model.id, …) and shows
the first line printed. This must be quick (Python's start included) and must never break the prompt: any
problem prints a short fallback and exits 0. Standard library only (and no pathlib, typing or argparse:
their imports alone would cost more than the queries), plus the stdlib-only usage reader.
"""

from __future__ import annotations

import json
import os
import sqlite3  # already loaded by the usage reader
import sys
import time

from cco_tui.commands.usage_reader import PlanMeter, SessionUsage, connect, plan_meter, project_cost_since
from cco_tui.commands.usage_reader import session_usage as read_session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

SEPARATOR = " · "
NO_DATABASE = "cco: no usage recorded yet"
BAD_INPUT = "cco: no session info"
UNAVAILABLE = "cco: usage unavailable"
OLD_SCHEMA = "cco: restart cco to upgrade its database"


def money(usd: float) -> str:
    """Sub-cent amounts keep four decimals: one short Claude Code turn often costs less than a cent."""
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}"


def default_db_path() -> str:
    """$CCO_DB, else cco.db in the user data directory (store.db.default_db_path, without importing Peewee)."""
    configured = os.environ.get("CCO_DB")
    if configured:
        return os.path.expanduser(configured)
    import platformdirs  # only here: a configured CCO_DB needs no platform lookup

    return os.path.join(platformdirs.user_data_dir("cco"), "cco.db")


def db_argument(argv: Sequence[str]) -> str | None:
    """`--db PATH` / `--db=PATH` (argparse costs more start-up time than this whole command's queries)."""
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return os.path.expanduser(argv[i + 1])
        if arg.startswith("--db="):
            return os.path.expanduser(arg[len("--db=") :])
    return None


def read_input(raw: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    return document if isinstance(document, dict) and isinstance(document.get("session_id"), str) else None


def project_directory(info: Mapping[str, Any]) -> str | None:
    workspace = info.get("workspace")
    candidates = [workspace.get("project_dir"), workspace.get("current_dir")] if isinstance(workspace, dict) else []
    candidates.append(info.get("cwd"))
    return next((c for c in candidates if isinstance(c, str) and c), None)


def local_midnight(now: float) -> float:
    day = time.localtime(now)
    return time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))


def session_part(session: SessionUsage) -> str:
    if not session.calls:
        return "session: no calls through cco yet"
    unpriced = f" (+{session.unpriced_calls} unpriced)" if session.unpriced_calls else ""
    return f"session {money(session.cost_usd)}{unpriced}"


def cache_parts(session: SessionUsage) -> list[str]:
    parts = [f"saved {money(session.saved_usd)}"] if session.saved_usd > 0 else []
    if session.cache_lookups:
        parts.append(f"cache hits {session.cache_hits / session.cache_lookups:.0%}")
    elif session.calls and session.prompt_cache_read_share:
        parts.append(f"prompt cache {session.prompt_cache_read_share:.0%}")
    return parts


def plan_part(meter: PlanMeter | None) -> list[str]:
    if meter is None:
        return []
    resets = f" resets {time.strftime('%H:%M', time.localtime(meter.resets_at))}" if meter.resets_at else ""
    return [f"5h {meter.five_hour_utilization:.0%}{resets}"]


def status_line(db: sqlite3.Connection, info: Mapping[str, Any], now: float) -> str:
    session = read_session(db, info["session_id"])
    project = session.project if session.calls else None
    if project is None:
        directory = project_directory(info)
        if directory:
            from cco_tui.pipeline.attribution import project_for_directory  # stdlib only; walks up to the git root

            project = project_for_directory(directory)
    parts = [session_part(session)]
    if project:
        parts.append(f"{project} today {money(project_cost_since(db, project, local_midnight(now)))}")
    parts += cache_parts(session) + plan_part(plan_meter(db))
    return SEPARATOR.join(parts)


def render(argv: Sequence[str], raw: bytes, now: float) -> str:
    info = read_input(raw)
    if info is None:
        return BAD_INPUT
    path = db_argument(argv) or default_db_path()
    if not os.path.isfile(path):
        return NO_DATABASE
    db = connect(path)
    try:
        return status_line(db, info, now)
    except sqlite3.OperationalError as error:
        # a database written by an older cco, not yet upgraded: cco upgrades it when it next starts
        return OLD_SCHEMA if "no such table" in str(error) else UNAVAILABLE
    finally:
        db.close()


def main(argv: Sequence[str]) -> int:
    """Always exits 0: a failing status command would leave Claude Code's prompt with an error in it."""
    try:
        raw = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
        line = render(argv, raw, time.time())
    except Exception:
        line = UNAVAILABLE
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 0
