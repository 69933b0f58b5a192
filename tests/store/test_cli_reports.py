"""`cco stats` / `cco export` as a separate process reading the seeded database file."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cco_tui.store.export import EXPORT_COLUMNS
from tests.store.seeding import Seeded

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    command = [sys.executable, "-m", "cco_tui.commands.reports", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment, cwd=REPO)


def test_stats_json(seeded_file: Seeded) -> None:
    done = _cli("stats", "--json", "--db", str(seeded_file.path))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["totals"]["requests"] == len(seeded_file.records)
    assert {g["key"] for g in report["by_project"]} == {"web", "api", "infra"}


def test_stats_table_for_one_project_and_range(seeded_file: Seeded) -> None:
    done = _cli("stats", "--project", "web", "--since", "7d", env={"CCO_DB": str(seeded_file.path)})
    assert done.returncode == 0, done.stderr
    assert "project web" in done.stdout and "cost" in done.stdout and "by model" in done.stdout


def test_export_csv_to_a_file(seeded_file: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    done = _cli("export", "--format", "csv", "--out", str(out), "--since", "3d", "--db", str(seeded_file.path))
    assert done.returncode == 0, done.stderr
    with out.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    expected = [r for r in seeded_file.records if r.ts_start >= seeded_file.now - 3 * 86400]
    assert len(expected) - 5 <= len(rows) <= len(expected)  # "3d" is counted from the CLI's own clock


def test_export_json_to_stdout(seeded_file: Seeded) -> None:
    done = _cli("export", "--format", "json", "--db", str(seeded_file.path))
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(seeded_file.records)


@pytest.mark.parametrize("args", [["stats", "--since", "soon"], ["export", "--format", "xml"]])
def test_bad_arguments_exit_2(args: list[str], seeded_file: Seeded) -> None:
    done = _cli(*args, "--db", str(seeded_file.path))
    assert done.returncode == 2 and "error" in done.stderr


def test_missing_database_is_explained(tmp_path: Path) -> None:
    done = _cli("stats", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 1 and "no analytics database" in done.stderr
