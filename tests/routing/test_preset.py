"""`cco routes preset ccr`: a routing file that loads, with claude-code-router's slots in its order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cco_tui.config.settings import load_config
from tests.test_cli import cco

SLOTS = ["longContext", "background", "webSearch", "think"]


def test_preset_prints_a_loadable_routing_file(tmp_path: Path) -> None:
    result = cco("routes", "preset", "ccr", "--think", "gpt-5", "--long-context-threshold", "90000")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    named = [route for route in document["routes"] if "when" in route]
    assert [route["name"] for route in named] == SLOTS
    assert named[0]["when"] == {"min_input_tokens": 90000}
    assert named[3]["model"] == "gpt-5"
    (tmp_path / "model-routing.json").write_text(result.stdout)
    routes = load_config(str(tmp_path)).routes
    assert [route.label for route in routes[:4]] == SLOTS


def test_preset_writes_with_out_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "model-routing.json"
    assert cco("routes", "preset", "ccr", "--out", str(target)).returncode == 0
    assert json.loads(target.read_text())["routes"][1]["name"] == "background"
    again = cco("routes", "preset", "ccr", "--out", str(target))
    assert again.returncode == 1 and "not overwriting" in again.stderr


def test_preset_refuses_a_bad_threshold() -> None:
    result = cco("routes", "preset", "ccr", "--long-context-threshold", "0")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_shipped_example_is_loadable(tmp_path: Path) -> None:
    """docs/ ships the README's example: it must stay a valid routing file."""
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "model-routing.when.json"
    shutil.copy(example, tmp_path / "model-routing.json")
    assert any(route.when is not None for route in load_config(str(tmp_path)).routes)
