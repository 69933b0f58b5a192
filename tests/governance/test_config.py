"""Governance settings: every mistake is one line naming settings.json and the key, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.governance.helpers import cco_command

CASES = [
    ({"auth": "open"}, "auth"),
    ({"limits": [{"name": "x", "rpm": -5}]}, "limits[0].rpm"),
    ({"limits": [{"name": "x", "rpn": 5}]}, "limits[0].rpn"),
    ({"limits": [{"name": "x"}]}, "limits[0].rpm"),
    ({"limits": [{"rpm": 5, "per": "team"}]}, "limits[0].per"),
    ({"limits": {"rpm": 5}}, "limits"),
    ({"budgets": [{"usd": -1, "period": "day"}]}, "budgets[0].usd"),
    ({"budgets": [{"usd": 5, "period": "year"}]}, "budgets[0].period"),
    ({"budgets": [{"name": "a", "usd": 5}, {"name": "a", "usd": 6}]}, "budgets[1].name"),
]


@pytest.mark.parametrize(("settings", "key"), CASES)
def test_bad_governance_settings(tmp_path: Path, settings: dict[str, Any], key: str) -> None:
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    done = cco_command("--headless", "--config", str(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "settings.json" in lines[0] and key in lines[0], lines
