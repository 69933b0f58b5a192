"""`cco sessions` and `cco stats --session` on a real file (the CLI tests check costs against Claude Code)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CCO = str(Path(sys.executable).parent / "cco")


def cco(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CCO, *args], capture_output=True, text=True, timeout=60, check=False)


def db_cost(db: Path, session: str) -> float:
    with sqlite3.connect(db) as con:
        query = "SELECT TOTAL(cost_usd) FROM request WHERE session_id = ?"
        return float(con.execute(query, (session,)).fetchone()[0])


def test_sessions_json_lists_each_session_with_its_project_calls_and_cost(db: Path) -> None:
    done = cco("sessions", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    listed = {s["id"]: s for s in json.loads(done.stdout)["sessions"]}
    assert list(listed) == ["sess-old", "sess-a", "sess-b", "sess-c"]  # oldest first
    assert listed["sess-a"]["project"] == "web"  # the side call in "default" does not name the session
    assert listed["sess-a"]["projects"] == {"web": 2, "default": 1}
    assert listed["sess-a"]["calls"] == 3
    for session_id, session in listed.items():
        assert session["cost_usd"] == pytest.approx(db_cost(db, session_id), rel=1e-12)


def test_project_and_since_filters(db: Path) -> None:
    web = json.loads(cco("sessions", "--db", str(db), "--project", "web", "--json").stdout)["sessions"]
    assert [s["id"] for s in web] == ["sess-old", "sess-a", "sess-b"]
    recent = json.loads(cco("sessions", "--db", str(db), "--since", "1d", "--json").stdout)["sessions"]
    assert [s["id"] for s in recent] == ["sess-a", "sess-b", "sess-c"]


def test_the_table_has_one_line_per_session(db: Path) -> None:
    lines = cco("sessions", "--db", str(db)).stdout.splitlines()
    assert lines[0].split()[:3] == ["session", "project", "start"]
    assert [line.split()[0] for line in lines[1:]] == ["sess-old", "sess-a", "sess-b", "sess-c"]


def test_stats_for_one_session(db: Path) -> None:
    done = cco("stats", "--db", str(db), "--session", "sess-b", "--json")
    assert json.loads(done.stdout)["cost_usd"] == pytest.approx(db_cost(db, "sess-b"), rel=1e-12)
    unknown = cco("stats", "--db", str(db), "--session", "nope")
    assert unknown.returncode == 1 and "no calls recorded for session nope" in unknown.stderr


def test_no_database_is_said_plainly(tmp_path: Path) -> None:
    done = cco("sessions", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 1 and "no analytics database" in done.stderr
