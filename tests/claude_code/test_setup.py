"""`cco setup claude` on real settings files in a temporary HOME: kept keys, backup, idempotence, undo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CCO = str(Path(sys.executable).parent / "cco")


def cco(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run([CCO, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def settings_of(home: Path) -> Path:
    return home / ".claude" / "settings.json"


def write(path: Path, data: bytes) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def test_setup_adds_both_entries_keeps_the_rest_and_backs_up(home: Path) -> None:
    original = write(settings_of(home), b'{"model": "opus", "env": {"FOO": "1"}, "statusLine": {"type": "x"}}')
    done = cco(home, "setup", "claude", "--host", "127.0.0.1", "--port", "8123")
    assert done.returncode == 0, done.stderr
    settings = json.loads(settings_of(home).read_text())
    assert settings["model"] == "opus"
    assert settings["env"] == {"FOO": "1", "ANTHROPIC_BASE_URL": "http://127.0.0.1:8123"}
    assert settings["statusLine"] == {"type": "command", "command": f"{CCO} statusline"}
    backup = json.loads((home / ".claude" / "settings.json.cco-backup.json").read_text())
    assert backup["original"].encode() == original and backup["existed"] is True
    assert "previous statusLine" in done.stdout


def test_setup_twice_changes_nothing_the_second_time(home: Path) -> None:
    write(settings_of(home), b'{"theme": "light"}')
    assert cco(home, "setup", "claude").returncode == 0
    first = settings_of(home).read_bytes()
    backup = (home / ".claude" / "settings.json.cco-backup.json").read_bytes()
    again = cco(home, "setup", "claude")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert settings_of(home).read_bytes() == first
    assert (home / ".claude" / "settings.json.cco-backup.json").read_bytes() == backup


@pytest.mark.parametrize("original", [b'{\n\t"theme": "dark",  "env": {}\n}\n', b'{"statusLine": {"a": 1}}', None])
def test_undo_restores_the_file_byte_for_byte(home: Path, original: bytes | None) -> None:
    if original is not None:
        write(settings_of(home), original)
    assert cco(home, "setup", "claude", "--port", "9000").returncode == 0
    assert cco(home, "setup", "claude", "--port", "9001").returncode == 0  # a change of port keeps the backup
    assert cco(home, "setup", "claude", "--undo").returncode == 0
    if original is None:
        assert not settings_of(home).exists()
    else:
        assert settings_of(home).read_bytes() == original
    assert not (home / ".claude" / "settings.json.cco-backup.json").exists()


def test_undo_after_user_edits_removes_only_what_setup_added(home: Path) -> None:
    write(settings_of(home), b'{"env": {"ANTHROPIC_BASE_URL": "https://old.example"}, "theme": "dark"}')
    assert cco(home, "setup", "claude").returncode == 0
    edited = json.loads(settings_of(home).read_text())
    edited["model"] = "sonnet"
    edited["env"]["MY_VAR"] = "x"
    settings_of(home).write_text(json.dumps(edited))
    done = cco(home, "setup", "claude", "--undo")
    assert done.returncode == 0 and "removed only cco's entries" in done.stdout
    assert json.loads(settings_of(home).read_text()) == {
        "env": {"ANTHROPIC_BASE_URL": "https://old.example", "MY_VAR": "x"},
        "theme": "dark",
        "model": "sonnet",
    }


def test_project_settings_go_to_the_projects_claude_dir(home: Path, tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    assert cco(home, "setup", "claude", "--project", str(project)).returncode == 0
    assert (project / ".claude" / "settings.json").exists()
    assert not settings_of(home).exists()


def test_undo_without_setup_is_a_harmless_no_op(home: Path) -> None:
    done = cco(home, "setup", "claude", "--undo")
    assert done.returncode == 0 and "nothing to undo" in done.stdout


def test_a_broken_settings_file_is_named_not_overwritten(home: Path) -> None:
    broken = write(settings_of(home), b'{"env": ')
    done = cco(home, "setup", "claude")
    assert done.returncode == 2
    assert str(settings_of(home)) in done.stderr and "not valid JSON" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert settings_of(home).read_bytes() == broken
