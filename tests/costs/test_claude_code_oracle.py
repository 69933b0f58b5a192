"""Our cost of a usage mix equals Claude Code's own total_cost_usd (the real CLI, against a fake upstream).

One CLI run per (version, model) plays a tool loop through every mix below, one call per mix, so the CLI's
total is the sum over all of them; we price each call the upstream saw and compare the sums to 1e-6.
Only the newest CLI knows the newest models (an older one prices an id it does not know at a default).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cco_tui.costs import load_pricing_file, price_request, shipped_pricing_path, usage_from_anthropic
from tests.claude_cli.claude import CLAUDE_VERSIONS, run_json
from tests.costs.usage_upstream import usage_upstream
from tests.fakes.serve import running

pytestmark = pytest.mark.claude_cli

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
    # Exactly at the 100k prompt-size threshold (input + cache writes + reads): not above it, base rates.
    "at 100k": {"input_tokens": 39_000, "output_tokens": 80, "cache_creation_input_tokens": 1000,
                "cache_read_input_tokens": 60_000},
    # Above every tier threshold (100k, 200k): the whole call at the long-prompt rates where a family has them.
    # Last, so no turn follows a prompt bigger than a 200k window.
    "long prompt": {
        "input_tokens": 150_000,
        "output_tokens": 1000,
        "cache_creation_input_tokens": 2000,
        "cache_read_input_tokens": 60_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1500},
    },
}  # fmt: skip

# Models each CLI prices itself; a dated or [1m] spelling stands in for its family where the CLI accepts one.
KNOWN_TO_2_1_197 = [  # not sonnet-5 (2.1.197 still priced it at $3/$15) nor the 5.5 models (its default)
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-opus-4-5-20251101",
    "claude-opus-4-1",  # 2.1.197 sends claude-opus-4-8 for it
    "claude-sonnet-4-6",
    "claude-sonnet-4-5-20250929",
    "claude-sonnet-4-5[1m]",
    "claude-sonnet-4-0",
    "claude-3-7-sonnet-20250219",
    "claude-haiku-4-5-20251001",
    "claude-3-5-haiku-20241022",
    "claude-fable-5",
    "claude-mythos-5",
]
KNOWN_TO_2_1_332 = [
    "claude-opus-5-5",
    "claude-opus-5-5[1m]",
    "claude-opus-5",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-opus-4-5-20251101",
    "claude-sonnet-5-5",
    "claude-sonnet-5",
    "claude-sonnet-4-6",
    "claude-sonnet-4-5-20250929",
    "claude-sonnet-4-5[1m]",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-haiku-5-5",
    "claude-haiku-4-5-20251001",
    "claude-3-5-haiku-20241022",
    "claude-fable-5",
    "claude-fable-5-1",
    "claude-fable-5-2",
    "claude-mythos-5",
    "claude-mythos-5-1",
    "claude-mythos-5-2",
]
KNOWN = {"2.1.197": KNOWN_TO_2_1_197, "2.1.332": KNOWN_TO_2_1_332}
assert set(KNOWN) == set(CLAUDE_VERSIONS)
CASES = [
    pytest.param(version, model, id=f"{version}-{model}") for version in CLAUDE_VERSIONS for model in KNOWN[version]
]


def claude_code_cost(version: str, model: str, tmp_path: Path) -> tuple[float, list[tuple[str, dict[str, Any]]]]:
    """Claude Code's total_cost_usd for one run through every mix, and the (model, usage) of each call."""
    calls: list[tuple[str, dict[str, Any]]] = []
    with running(usage_upstream(list(MIXES.values()), calls)) as upstream:
        args = ("--model", model, "--allowedTools", "Bash")
        result = run_json(upstream.url, tmp_path, tmp_path / "home", "run it", *args, version=version)
    return float(result["total_cost_usd"]), calls


@pytest.mark.parametrize(("claude_version", "model"), CASES)
def test_cost_equals_claude_codes_total_cost_usd(claude_version: str, model: str, tmp_path: Path) -> None:
    theirs, calls = claude_code_cost(claude_version, model, tmp_path)
    assert len(calls) == len(MIXES), json.dumps(calls)[:2000]
    table = load_pricing_file(shipped_pricing_path())
    # The CLI may rename a model before sending it; price what the upstream was asked for, every call.
    ours = [price_request(table, sent, usage_from_anthropic(usage)).cost_usd for sent, usage in calls]
    assert None not in ours
    assert sum(c for c in ours if c is not None) == pytest.approx(theirs, abs=1e-6)
