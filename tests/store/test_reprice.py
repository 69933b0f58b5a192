"""`cco pricing check` and `cco reprice` as separate processes on a real database written by the RecordWriter."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cco_tui.costs import PricingTable
from cco_tui.store.db import new_database
from cco_tui.store.rollup import rebuild_rollups
from cco_tui.store.sessions import rebuild_sessions
from tests.store.seeding import make_records, write_records

REPO = Path(__file__).resolve().parents[2]
M = 1_000_000
UNPRICED = "mystery-model"  # in the seeded mix, priced by no shipped entry
ROLLUPS = ("rollup_hour", "rollup_day", "rollup_week")


def cco(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "cco_tui", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment, cwd=REPO)


@pytest.fixture
def recorded(tmp_path: Path, pricing: PricingTable) -> Path:
    """600 requests over ten days, the mystery model's recorded unpriced."""
    path = tmp_path / "cco.db"
    write_records(path, make_records(600, time.time(), 10 * 86400, seed=11), pricing)
    return path


@pytest.fixture
def priced_config(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    price = {"input": 2, "output": 8, "cache_write_5m": 2.5, "cache_write_1h": 4, "cache_read": 0.2}
    (directory / "model-pricing.json").write_text(json.dumps({"pricing": {UNPRICED: price}}))
    return directory


def rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as con:
        return con.execute(sql, params).fetchall()


def rollups(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {table: rows(path, f"SELECT * FROM {table} ORDER BY period, project, provider, model") for table in ROLLUPS}


def test_check_names_each_unpriced_model_with_the_json_to_add(recorded: Path, tmp_path: Path) -> None:
    empty_config = tmp_path / "empty-config"
    empty_config.mkdir()
    done = cco("pricing", "check", "--db", str(recorded), "--config", str(empty_config))
    assert done.returncode == 1, done.stderr
    assert UNPRICED in done.stdout and "no price" in done.stdout
    snippet = json.loads(done.stdout[done.stdout.index("{") :])
    assert list(snippet["pricing"]) == [UNPRICED]
    assert str(empty_config / "model-pricing.json") in done.stdout


def test_reprice_fixes_rows_rollups_and_stats(recorded: Path, priced_config: Path, tmp_path: Path) -> None:
    unpriced = rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1")[0][0]
    assert unpriced > 0
    check = cco("pricing", "check", "--db", str(recorded), "--config", str(priced_config))
    assert check.returncode == 0 and "priced now" in check.stdout and "cco reprice" in check.stdout

    done = cco("reprice", "--db", str(recorded), "--config", str(priced_config))
    assert done.returncode == 0, done.stderr
    assert f"repriced {unpriced} requests" in done.stdout

    assert rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1 OR cost_usd IS NULL")[0][0] == 0
    tokens = "input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens"
    for cost, i, o, w5, w1, r in rows(recorded, f"SELECT cost_usd, {tokens} FROM request WHERE model = ?", UNPRICED):
        assert cost == pytest.approx((i * 2 + o * 8 + w5 * 2.5 + w1 * 4 + r * 0.2) / M)
    _assert_rollups_match_a_rebuild(recorded, tmp_path)
    sessions = rows(recorded, "SELECT * FROM session_rollup ORDER BY session_id, project")
    db = new_database(recorded)
    with db.connection_context(), db.atomic():
        rebuild_sessions(db)
    rebuilt = rows(recorded, "SELECT * FROM session_rollup ORDER BY session_id, project")
    assert [row[:2] for row in rebuilt] == [row[:2] for row in sessions]
    for after_reprice, recomputed in zip(sessions, rebuilt, strict=True):
        assert after_reprice[2:] == pytest.approx(recomputed[2:])

    stats = json.loads(cco("stats", "--json", "--db", str(recorded)).stdout)
    raw_cost = rows(recorded, "SELECT TOTAL(cost_usd) FROM request")[0][0]
    assert stats["totals"]["unpriced_requests"] == 0
    assert stats["totals"]["cost_usd"] == pytest.approx(raw_cost)
    by_model = {group["key"]: group for group in stats["by_model"]}
    assert by_model[UNPRICED]["cost_usd"] > 0

    after = cco("pricing", "check", "--db", str(recorded), "--config", str(priced_config))
    assert after.returncode == 0 and "is priced" in after.stdout


def test_reprice_since_leaves_older_rows_alone(recorded: Path, priced_config: Path, tmp_path: Path) -> None:
    cutoff = time.time() - 5 * 86400
    older = rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1 AND ts < ?", cutoff)[0][0]
    assert older > 0
    done = cco("reprice", "--since", "5d", "--db", str(recorded), "--config", str(priced_config))
    assert done.returncode == 0, done.stderr
    assert rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1")[0][0] == older
    _assert_rollups_match_a_rebuild(recorded, tmp_path)


def test_model_still_without_a_price_stays_unpriced(recorded: Path, tmp_path: Path) -> None:
    before = rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1")[0][0]
    done = cco("reprice", "--db", str(recorded))
    assert done.returncode == 0 and "repriced 0 requests" in done.stdout
    assert f"still unpriced: {UNPRICED} ({before} requests)" in done.stdout
    assert rows(recorded, "SELECT COUNT(*) FROM request WHERE unpriced = 1")[0][0] == before


def test_missing_database_and_bad_config(tmp_path: Path) -> None:
    missing = cco("reprice", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and "no analytics database" in missing.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model-pricing.json").write_text('{"pricing": {"m": {"input": -1, "output": 1}}}')
    (tmp_path / "x.db").touch()
    done = cco("pricing", "check", "--db", str(tmp_path / "x.db"), "--config", str(bad))
    assert done.returncode == 2 and "pricing.m.input" in done.stderr and "Traceback" not in done.stderr


def _assert_rollups_match_a_rebuild(path: Path, tmp_path: Path) -> None:
    """The deltas reprice applied leave every rollup as a rebuild from the raw rows would."""
    copy = tmp_path / "rebuilt.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the WAL included, which a file copy could miss
    db = new_database(copy)
    with db.connection_context():
        rebuild_rollups(db)
    ours, rebuilt = rollups(path), rollups(copy)
    for table in ROLLUPS:
        assert len(ours[table]) == len(rebuilt[table])
        for mine, theirs in zip(ours[table], rebuilt[table], strict=True):
            assert mine == pytest.approx(theirs)


def test_reprice_gives_a_routed_row_its_routing_saving(
    tmp_path: Path, priced_config: Path, pricing: PricingTable
) -> None:
    from cco_tui.costs.usage import Usage
    from cco_tui.store.record import RequestRecord

    routed = RequestRecord(request_id="r1", requested_model="claude-opus-4-8", served_model=UNPRICED, status=200)
    routed.set_usage(Usage(input=1_000_000, output=100_000))
    routed.route, routed.route_reason = "cheap", "when agent=subagent"
    path = tmp_path / "routed.db"
    write_records(path, [routed], pricing)
    assert rows(path, "SELECT unpriced, saved_routing_usd FROM request") == [(1, 0.0)]
    assert cco("reprice", "--db", str(path), "--config", str(priced_config)).returncode == 0
    ((cost, routing),) = rows(path, "SELECT cost_usd, saved_routing_usd FROM request")
    assert cost == pytest.approx(2 + 0.8)  # the mystery model's price: $2 / $8 per million
    assert routing == pytest.approx(5 + 2.5 - cost)  # opus: $5 / $25 per million
    _assert_rollups_match_a_rebuild(path, tmp_path)
