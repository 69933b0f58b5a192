"""Every request through the server becomes one analytics row, priced exactly, with no key stored."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message, stream_events
from tests.fakes.process import headless_cco

SECRET = "sk-ant-this-key-must-never-be-stored"
USAGE = {
    "input_tokens": 1200,
    "output_tokens": 300,
    "cache_creation_input_tokens": 2000,
    "cache_read_input_tokens": 50_000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1500, "ephemeral_1h_input_tokens": 500},
}
# claude-sonnet-4-6 list prices per MTok: input 3, output 15, 5m write 3.75, 1h write 6, cache read 0.30
EXPECTED_COST = (1200 * 3 + 300 * 15 + 1500 * 3.75 + 500 * 6 + 50_000 * 0.30) / 1_000_000


def rows(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM request ORDER BY id")]


def body(stream: bool, text: str = "price me") -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 50,
        "stream": stream,
        "messages": [{"role": "user", "content": text}],
    }


def send(url: str, payload: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(url + "/v1/messages", json=payload, headers={"x-api-key": SECRET, **headers}, timeout=30)


def test_stream_and_json_give_the_same_priced_row(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    answer = message(usage=USAGE)
    fake.then(Reply(body=answer), Reply(events=stream_events(answer)))
    db = tmp_path / "rows.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, body(False), **{"x-cco-project": "pricing"})
        send(cco.url, body(True, "other"), **{"x-cco-project": "pricing"})
        assert cco.stop() == 0
    json_row, stream_row = rows(db)
    for row in (json_row, stream_row):
        assert row["project"] == "pricing"
        assert (row["input_tokens"], row["output_tokens"]) == (1200, 300)
        assert (row["cache_write_5m_tokens"], row["cache_write_1h_tokens"]) == (1500, 500)
        assert row["cache_read_tokens"] == 50_000
        assert row["cost_usd"] == pytest.approx(EXPECTED_COST, abs=1e-9)
        assert row["saved_prompt_cache_usd"] == pytest.approx(50_000 * (3 - 0.30) / 1_000_000, abs=1e-9)
        assert row["status"] == 200
        assert row["latency_ms"] >= row["upstream_ms"] >= 0
    assert (json_row["stream"], stream_row["stream"]) == (0, 1)
    assert SECRET.encode() not in db.read_bytes()


def test_cache_hit_costs_nothing_and_saves_the_original(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.then(Reply(body=message(usage=USAGE)))
    db = tmp_path / "hits.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, body(False))
        assert send(cco.url, body(False)).headers["x-cco-cache"] == "hit"
        cco.stop()
    miss, hit = rows(db)
    assert miss["cache_status"] == "miss"
    assert hit["cache_status"] == "hit"
    assert hit["cost_usd"] == 0
    assert hit["saved_cache_usd"] == pytest.approx(miss["cost_usd"], abs=1e-12)
    assert hit["input_tokens"] == hit["output_tokens"] == 0


def test_upstream_and_cco_errors_are_rows_too(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    error = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
    fake.then(Reply(status=429, body=error))
    db = tmp_path / "errors.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, body(False))
        cco.stop()
    (row,) = rows(db)
    assert (row["status"], row["error_type"], row["is_error"]) == (429, "rate_limit_error", 1)


def test_working_directory_attribution(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    repo = tmp_path / "web-shop"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    payload = body(False)
    payload["system"] = [{"type": "text", "text": f"Primary working directory: {repo / 'src'}\nIs a git repo"}]
    db = tmp_path / "attr.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, payload)
        cco.stop()
    (row,) = rows(db)
    assert row["project"] == "web-shop"
    assert row["project_path"] == str(repo / "src")


async def flood(url: str, total: int, concurrency: int) -> list[int]:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one(n: int) -> int:
            async with semaphore:
                response = await client.post(
                    url + "/v1/messages", json=body(n % 2 == 0, f"q{n}"), headers={"x-api-key": SECRET}
                )
                return response.status_code

        return await asyncio.gather(*(one(n) for n in range(total)))


def test_two_thousand_concurrent_requests_are_exactly_two_thousand_rows(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.record = False
    config = write_config(tmp_path / "c", upstream.url)
    db = tmp_path / "flood.db"
    with headless_cco(config, db) as cco:
        statuses = asyncio.run(flood(cco.url, 2000, 32))
        assert cco.stop() == 0  # graceful: the writer flushes before the process exits
    assert statuses.count(200) == 2000
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM request").fetchone()[0] == 2000
        assert connection.execute("SELECT COUNT(DISTINCT request_id) FROM request").fetchone()[0] == 2000


def test_analytics_off_records_nothing(tmp_path: Path, fake_upstream) -> None:
    config = write_config(tmp_path / "c", fake_upstream[1].url, settings={"analytics": False})
    db = tmp_path / "off.db"
    with headless_cco(config, db) as cco:
        assert send(cco.url, body(False)).status_code == 200
        assert cco.stop() == 0
    assert rows(db) == []


def test_side_calls_without_a_working_directory_join_their_sessions_project(config_dir: Path, tmp_path: Path) -> None:
    repo = tmp_path / "webapp"
    (repo / ".git").mkdir(parents=True)
    main_call = body(False, "main")
    main_call["system"] = [{"type": "text", "text": f"Primary working directory: {repo}"}]
    session = {"x-claude-code-session-id": "session-42"}
    db = tmp_path / "sessions.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, main_call, **session)
        send(cco.url, body(False, "write a title"), **session)
        send(cco.url, body(False, "unrelated"), **{"x-claude-code-session-id": "other"})
        cco.stop()
    assert [row["project"] for row in rows(db)] == ["webapp", "webapp", "default"]


def test_project_names_are_cleaned(config_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "names.db"
    with headless_cco(config_dir, db) as cco:
        httpx.post(
            cco.url + "/v1/messages",
            json=body(False, "a"),
            headers={"x-api-key": SECRET, "x-cco-project": "café ✓".encode()},
        )
        send(cco.url, body(False, "b"), **{"x-cco-project": "\x1b[31mred\x1b[0m"})
        cco.stop()
    assert [row["project"] for row in rows(db)] == ["café ✓", "[31mred[0m"]


def test_stream_abandoned_by_the_client_is_not_recorded_as_a_success(
    config_dir: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.then(Reply(events=stream_events(message())[:3], hold_open=True))
    db = tmp_path / "left.db"
    with headless_cco(config_dir, db) as cco:
        with httpx.stream("POST", cco.url + "/v1/messages", json=body(True), headers={"x-api-key": SECRET}) as r:
            chunks = r.iter_bytes()
            next(chunks)
        time.sleep(0.5)
        cco.stop()
    (row,) = rows(db)
    assert (row["status"], row["error_type"], row["is_error"]) == (200, "client_disconnected", 1)


def test_claude_codes_agent_and_hint_headers_are_recorded(
    config_dir: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    subagent = {
        "x-claude-code-session-id": "session-7",
        "x-claude-code-agent-id": "agent-\x1b[31mred",  # a terminal escape must not reach the dashboard
        "x-claude-code-parent-agent-id": "agent-main",
        "x-claude-code-request-class": "subagent",
        "x-claude-code-agent-type": "Explore",
    }
    db = tmp_path / "agents.db"
    with headless_cco(config_dir, db) as cco:
        send(cco.url, body(False, "main"), **{"x-claude-code-session-id": "session-7"})
        send(cco.url, body(False, "sub"), **subagent)
        send(cco.url, body(False, "long"), **{"x-claude-code-session-id": "s" * 500})
        cco.stop()
    main, sub, long = rows(db)
    assert (main["session_id"], main["agent_id"], main["request_class"]) == ("session-7", None, None)
    assert sub["session_id"] == "session-7"
    assert (sub["agent_id"], sub["parent_agent_id"]) == ("agent-[31mred", "agent-main")
    assert (sub["request_class"], sub["agent_type"]) == ("subagent", "Explore")
    assert long["session_id"] == "s" * 128
