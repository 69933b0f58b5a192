"""Our cost of a usage mix equals Claude Code's own total_cost_usd (the real CLI, against a fake upstream)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cco_tui.costs import load_pricing_file, price_request, shipped_pricing_path, usage_from_anthropic
from tests.costs.usage_upstream import usage_upstream
from tests.fakes.serve import running

pytestmark = pytest.mark.claude_cli

REPO = Path(__file__).resolve().parents[2]


def _claude_binary() -> str | None:
    candidates = [
        os.environ.get("CCO_CLAUDE_BIN"),
        str(REPO / "tools/node_modules/.bin/claude"),
        shutil.which("claude"),
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


CLAUDE = _claude_binary()

MIXES: dict[str, dict[str, Any]] = {
    "plain": {"input_tokens": 1200, "output_tokens": 345},
    "5m write": {"input_tokens": 10, "output_tokens": 20, "cache_creation_input_tokens": 4000},
    "1h write": {
        "input_tokens": 10,
        "output_tokens": 20,
        "cache_creation_input_tokens": 4000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 4000},
    },
    "cache read": {"input_tokens": 3, "output_tokens": 50, "cache_read_input_tokens": 90_000},
    "mixed": {
        "input_tokens": 1234,
        "output_tokens": 567,
        "cache_creation_input_tokens": 3000,
        "cache_read_input_tokens": 20_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
    },
}
CASES = [("claude-sonnet-4-5-20250929", name) for name in MIXES] + [
    ("claude-opus-4-5", "mixed"),
    ("claude-haiku-4-5", "mixed"),
    ("claude-3-5-haiku-20241022", "mixed"),
]


def _claude_cost(url: str, model: str, home: Path) -> float:
    assert CLAUDE is not None
    env = {
        **os.environ,
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_MAX_RETRIES": "1",
    }
    command = [CLAUDE, "-p", "say hello", "--output-format", "json", "--model", model]
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=120, check=True)
    return float(json.loads(done.stdout)["total_cost_usd"])


@pytest.mark.skipif(
    CLAUDE is None, reason="Claude Code CLI not installed (npm i --prefix tools @anthropic-ai/claude-code)"
)
@pytest.mark.parametrize(("model", "mix"), CASES)
def test_cost_equals_claude_codes_total_cost_usd(model: str, mix: str, tmp_path: Path) -> None:
    usage, calls = MIXES[mix], list[str]()
    with running(usage_upstream(usage, calls)) as upstream:
        theirs = _claude_cost(upstream.url, model, tmp_path)
    table = load_pricing_file(shipped_pricing_path())
    # The CLI may rename a model before sending it; price what the upstream was asked for, every call.
    ours = [price_request(table, sent, usage_from_anthropic(usage)).cost_usd for sent in calls]
    assert calls and None not in ours
    assert sum(c for c in ours if c is not None) == pytest.approx(theirs, abs=1e-6)
