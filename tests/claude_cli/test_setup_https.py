"""`cco setup claude` for an HTTPS cco and a non-default database (found by QA: it always wrote http://)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def setup(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)}
    command = [sys.executable, "-m", "cco_tui", "setup", "claude", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)


def test_https_and_db_reach_the_settings(tmp_path: Path) -> None:
    result = setup(tmp_path, "--https", "--port", "8443", "--db", str(tmp_path / "team.db"))
    assert result.returncode == 0, result.stderr
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert settings["env"]["ANTHROPIC_BASE_URL"] == "https://127.0.0.1:8443"
    assert settings["statusLine"]["command"].endswith(f"statusline --db {tmp_path / 'team.db'}")


def test_a_url_as_host_is_refused(tmp_path: Path) -> None:
    result = setup(tmp_path, "--host", "https://127.0.0.1")
    assert result.returncode == 2 and "--https" in result.stderr
    assert not (tmp_path / ".claude" / "settings.json").exists()
