"""Running the real Claude Code CLI offline against cco (see shared/reference/claude-code.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def claude_binary() -> str:
    """CLAUDE_BIN, then the copy .ci/run installs under tools/, then PATH. In CI a missing CLI is a failure."""
    candidates = [
        os.environ.get("CLAUDE_BIN"),
        str(REPO / "tools/node_modules/.bin/claude"),
        shutil.which("claude"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    if os.environ.get("CI"):
        pytest.fail("the Claude Code CLI is not installed (run .ci/run, which installs it under tools/)")
    pytest.skip("the Claude Code CLI is not installed; `npm install --prefix tools @anthropic-ai/claude-code`")


def run_claude(
    base_url: str, cwd: Path, home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "sk-ant-test-claude-cli",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_MAX_RETRIES": "1",
        **(env or {}),
    }
    return subprocess.run(
        [claude_binary(), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_json(base_url: str, cwd: Path, home: Path, prompt: str, *args: str, **kw: Any) -> dict[str, Any]:
    result = run_claude(base_url, cwd, home, "-p", prompt, "--output-format", "json", *args, **kw)
    assert result.returncode == 0, f"claude failed: {result.stderr[-2000:]} {result.stdout[-2000:]}"
    document: dict[str, Any] = json.loads(result.stdout)
    return document
