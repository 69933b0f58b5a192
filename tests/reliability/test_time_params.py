"""Huge or absurd numbers in time parameters are a 400 with a message (HTTP) or one line and exit 2 (CLI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.serve import ThreadedServer
from tests.reliability.conftest import anthropic_error

HUGE = ["99999999999999999999", "9" * 400, "99999999999999999999d", "-5"]


@pytest.mark.parametrize("path", ["/api/stats", "/api/stats/timeseries", "/api/stats/by", "/api/export"])
@pytest.mark.parametrize("name", ["since", "until"])
def test_huge_times_are_a_400(cco: ThreadedServer, path: str, name: str) -> None:
    for value in HUGE:
        response = httpx.get(cco.url + path, params={name: value}, timeout=30)
        message = anthropic_error(response, 400, "invalid_request_error")
        assert name in message


def test_in_range_epoch_still_works(cco: ThreadedServer) -> None:
    response = httpx.get(cco.url + "/api/stats", params={"since": "1700000000", "until": "253402300799"}, timeout=30)
    assert response.status_code == 200


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_cli_huge_time_is_one_line_exit_2(tmp_path: Path, option: str) -> None:
    db = tmp_path / "cco.db"
    db.touch()
    for command in ("stats", "export"):
        result = subprocess.run(
            [sys.executable, "-m", "cco_tui", command, option, "99999999999999999999", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "out of range" in lines[0] and option in lines[0], result.stderr
