"""Running the real Claude Code CLI offline against cco (see shared/reference/claude-code.md)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# The pinned Claude Code versions (scripts/test installs each into tools/<version>/), oldest first.
CLAUDE_VERSIONS = ("2.1.197", "2.1.332")
NEWEST = CLAUDE_VERSIONS[-1]
# Slow acceptance tests run on the newest CLI only; the cost oracle and default-model tests run on every version.
newest_only = pytest.mark.parametrize("claude_version", [NEWEST])
every_version = pytest.mark.parametrize("claude_version", CLAUDE_VERSIONS)


def installed_binary(version: str) -> Path:
    return REPO / "tools" / version / "node_modules/.bin/claude"


def claude_binary(version: str = NEWEST) -> str:
    """CLAUDE_BIN (whatever version it is), else the pinned copy scripts/test installs. In CI missing is a failure."""
    override = os.environ.get("CLAUDE_BIN")
    if override:
        return override
    candidate = installed_binary(version)
    if candidate.exists():
        return str(candidate)
    if os.environ.get("CI"):
        pytest.fail(f"Claude Code {version} is not installed (scripts/test installs it under tools/{version}/)")
    pytest.skip(
        f"Claude Code {version} is not installed; "
        f"`npm install --prefix tools/{version} @anthropic-ai/claude-code@{version}`"
    )


def run_claude(
    base_url: str | None,
    cwd: Path,
    home: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    version: str = NEWEST,
) -> subprocess.CompletedProcess[str]:
    """base_url None: nothing exported, so only the settings files in `home` can point the CLI at cco."""
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        **({"ANTHROPIC_BASE_URL": base_url} if base_url is not None else {}),
        "ANTHROPIC_API_KEY": "sk-ant-test-claude-cli",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_MAX_RETRIES": "1",
        **(env or {}),
    }
    return subprocess.run(
        [claude_binary(version), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_json(base_url: str | None, cwd: Path, home: Path, prompt: str, *args: str, **kw: Any) -> dict[str, Any]:
    result = run_claude(base_url, cwd, home, "-p", prompt, "--output-format", "json", *args, **kw)
    assert result.returncode == 0, f"claude failed: {result.stderr[-2000:]} {result.stdout[-2000:]}"
    document: dict[str, Any] = json.loads(result.stdout)
    return document
