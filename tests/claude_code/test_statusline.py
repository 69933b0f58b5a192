"""`cco statusline` as Claude Code runs it: a fresh `cco` process, Claude Code's JSON on stdin, a real file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cco_tui.store.db import new_database
from cco_tui.store.meters import MeterSnapshot, save_meters
from cco_tui.store.migrations import migrate
from cco_tui.wire.ratelimits import rate_limits

CCO = str(Path(sys.executable).parent / "cco")
HEAVY = ("textual", "quart", "hypercorn", "httpx", "httpcore", "rich", "peewee", "asyncio")


def statusline(stdin: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CCO, "statusline", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def claude_code_json(session: str, cwd: str = "/home/dev/web") -> str:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": "/tmp/t.jsonl",
            "cwd": cwd,
            "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
            "workspace": {"current_dir": cwd, "project_dir": cwd},
            "version": "2.1.332",
            "cost": {"total_cost_usd": 0.5},
        }
    )


def cost(db: Path, where: str, *params: object) -> float:
    with sqlite3.connect(db) as con:
        return float(con.execute(f"SELECT TOTAL(cost_usd) FROM request WHERE {where}", params).fetchone()[0])


def local_midnight() -> float:
    day = time.localtime()
    return time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))


def money(usd: float) -> str:
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}"


def test_the_line_shows_this_sessions_cost_and_the_projects_day(db: Path) -> None:
    done = statusline(claude_code_json("sess-a"), "--db", str(db))
    assert done.returncode == 0 and done.stderr == ""
    session = cost(db, "session_id = ?", "sess-a")
    today = cost(db, "project = 'web' AND ts >= ?", local_midnight())
    assert session > 0 and today > session
    parts = done.stdout.rstrip("\n").split(" · ")
    assert parts[0] == f"session {money(session)}"
    assert parts[1] == f"web today {money(today)}"
    assert parts[2].startswith("saved $")  # the cache hit saved its original cost
    assert parts[3] == "cache hits 33%"  # one hit in three lookups
    assert done.stdout.count("\n") == 1


def test_a_session_not_seen_yet_shows_its_directorys_project(db: Path) -> None:
    done = statusline(claude_code_json("sess-new", cwd="/somewhere/api"), "--db", str(db))
    assert done.returncode == 0
    assert done.stdout.split(" · ")[:2] == [
        "session: no calls through cco yet",
        f"api today {money(cost(db, 'project = ? AND ts >= ?', 'api', local_midnight()))}\n",
    ]


def test_the_database_comes_from_cco_db_when_no_flag_is_given(db: Path) -> None:
    done = statusline(claude_code_json("sess-b"), env={"CCO_DB": str(db)})
    assert done.stdout.startswith(f"session {money(cost(db, 'session_id = ?', 'sess-b'))}")


def plan_headers(five_hour: float, resets: float | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"anthropic-ratelimit-unified-5h-utilization", str(five_hour).encode())]
    return headers + ([(b"anthropic-ratelimit-unified-5h-reset", str(int(resets)).encode())] if resets else [])


def test_the_plan_meter_comes_from_the_meters_the_server_keeps(db: Path) -> None:
    resets = time.time() + 3600
    old, new = rate_limits(plan_headers(0.10, None)), rate_limits(plan_headers(0.42, resets))
    assert old is not None and new is not None
    store = new_database(db)
    with store.connection_context():
        migrate(store)
        with store.atomic():  # as the writer saves them (store/meters.py)
            save_meters(store, [MeterSnapshot("old", old, 1.0), MeterSnapshot("new", new, 2.0)])
    done = statusline(claude_code_json("sess-a"), "--db", str(db))
    assert done.stdout.rstrip().endswith(f"5h 42% resets {time.strftime('%H:%M', time.localtime(int(resets)))}")


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [("", "cco: no session info"), ("not json", "cco: no session info"), ('{"cwd": "/x"}', "cco: no session info")],
)
def test_bad_input_prints_a_fallback_and_exits_0(db: Path, stdin: str, expected: str) -> None:
    done = statusline(stdin, "--db", str(db))
    assert (done.returncode, done.stdout, done.stderr) == (0, expected + "\n", "")


def test_a_missing_database_prints_a_fallback_exits_0_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here" / "cco.db"
    done = statusline(claude_code_json("sess-a"), "--db", str(missing))
    assert (done.returncode, done.stdout, done.stderr) == (0, "cco: no usage recorded yet\n", "")
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_database_still_exits_0(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    done = statusline(claude_code_json("sess-a"), "--db", str(junk))
    assert (done.returncode, done.stdout, done.stderr) == (0, "cco: usage unavailable\n", "")


def test_a_database_from_an_older_cco_asks_for_a_restart(db: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE session_rollup")  # as version 2 files are: cco adds it when it next starts
    done = statusline(claude_code_json("sess-a"), "--db", str(db))
    assert (done.returncode, done.stdout) == (0, "cco: restart cco to upgrade its database\n")


def test_the_database_is_only_read(db: Path) -> None:
    before = db.read_bytes()
    statusline(claude_code_json("sess-a"), "--db", str(db))
    assert db.read_bytes() == before


def test_statusline_imports_nothing_heavy(db: Path) -> None:
    """The whole command runs on every Claude Code turn: the server, the dashboard and Peewee stay unloaded."""
    probe = (
        "import io, sys\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({claude_code_json('sess-a').encode()!r}))\n"
        "from cco_tui.cli import main\n"
        f"main(['statusline', '--db', {str(db)!r}])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    line, loaded = done.stdout.splitlines()
    assert line.startswith("session $")
    assert loaded == "[]"
