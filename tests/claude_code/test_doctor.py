"""`cco doctor` against a real cco on loopback (in front of the fake upstream) and real settings files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import free_port
from tests.fakes.serve import ThreadedServer

CCO = str(Path(sys.executable).parent / "cco")
PRICED = "claude-sonnet-4-5"


def cco_command(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HOME": str(home), **(env or {})}
    environment.pop("ANTHROPIC_BASE_URL", None)
    return subprocess.run(
        [CCO, *args], env=environment, cwd=home, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def doctor(
    home: Path, config_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cco_command(home, "doctor", "--config", str(config_dir), *args, env=env)


def test_a_working_chain_is_all_good(home: Path, cco: ThreadedServer, config_dir: Path, fake: FakeAnthropic) -> None:
    assert cco_command(home, "setup", "claude", "--port", str(cco.port)).returncode == 0
    done = doctor(home, config_dir, "--model", PRICED, env={"ANTHROPIC_API_KEY": "sk-ant-doctor"})
    assert done.returncode == 0, done.stdout
    assert "cco doctor: all good" in done.stdout
    assert f"points Claude Code at http://127.0.0.1:{cco.port}" in done.stdout
    assert "42 tokens" in done.stdout  # the fake upstream's count_tokens answer came back through cco
    counted = [r for r in fake.received if r.path == "/v1/messages/count_tokens"]
    assert len(counted) == 1 and fake.count() == 0  # the free endpoint only: no message was bought
    assert counted[0].headers["x-api-key"] == "sk-ant-doctor"
    assert "sk-ant-doctor" not in done.stdout + done.stderr


def test_nothing_listening_and_no_settings_are_both_reported(home: Path, config_dir: Path) -> None:
    port = free_port()
    done = doctor(home, config_dir, "--port", str(port), "--model", PRICED)
    assert done.returncode == 1
    assert "FAIL  Claude Code settings" in done.stdout and "fix: cco setup claude" in done.stdout
    assert f"FAIL  cco reachable          nothing answers at http://127.0.0.1:{port}" in done.stdout
    assert "fix: start it" in done.stdout
    assert "cco doctor: 2 problems" in done.stdout


def test_settings_pointing_elsewhere_fail(home: Path, cco: ThreadedServer, config_dir: Path) -> None:
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "https://api.anthropic.com"}}))
    done = doctor(home, config_dir, "--port", str(cco.port), "--model", PRICED)
    assert done.returncode == 1
    assert f"{settings} points Claude Code at https://api.anthropic.com" in done.stdout


def test_an_unpriced_default_model_is_named(home: Path, cco: ThreadedServer, config_dir: Path) -> None:
    assert cco_command(home, "setup", "claude", "--port", str(cco.port)).returncode == 0
    done = doctor(home, config_dir, env={"ANTHROPIC_MODEL": "claude-imaginary-9"})
    assert done.returncode == 1
    assert "FAIL  pricing" in done.stdout and "no price for claude-imaginary-9" in done.stdout
    assert "model-pricing.json" in done.stdout


def test_without_a_key_the_upstreams_401_is_a_warning(
    home: Path, cco: ThreadedServer, config_dir: Path, fake: FakeAnthropic
) -> None:
    from tests.fakes.anthropic_upstream import Reply

    body = {"type": "error", "error": {"type": "authentication_error", "message": "x-api-key header is required"}}
    fake.responder = lambda received: Reply(status=401, body=body)
    assert cco_command(home, "setup", "claude", "--port", str(cco.port)).returncode == 0
    done = doctor(home, config_dir, "--model", PRICED)
    assert done.returncode == 0, done.stdout
    assert "warn  test request" in done.stdout and "reached the provider through cco" in done.stdout
