"""Helpers for the governance tests: `cco keys` as a real subprocess, rows read straight from SQLite."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

OWN_KEY = "sk-ant-cco-own-upstream-key"  # what cco itself holds: the only key the upstream may see


def cco_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cco_tui", *args], capture_output=True, text=True, timeout=60, check=False
    )


def create_key(db: Path, project: str, *extra: str) -> dict[str, Any]:
    done = cco_command("keys", "create", "--db", str(db), "--project", project, "--json", *extra)
    assert done.returncode == 0, done.stderr
    key: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return key


def rows(db: Path, where: str = "1") -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(f"SELECT * FROM request WHERE {where} ORDER BY id")]


def body(text: str = "hello", max_tokens: int = 50, stream: bool = False) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": max_tokens,
        "stream": stream,
        "messages": [{"role": "user", "content": text}],
    }
