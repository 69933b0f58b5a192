"""Two headless cco replicas sharing one real redis-server: the cache's second tier, exact shared limits and
budgets, and Redis outages that cost no request. redis-server is started by tests/servers.py; nothing is mocked."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message
from tests.fakes.process import CcoProcess, headless_cco
from tests.fakes.serve import ThreadedServer
from tests.governance.helpers import OWN_KEY, body, cco_command, rows
from tests.servers import RedisServer

Upstream = tuple[FakeAnthropic, ThreadedServer]
KEY = {"x-api-key": "sk-ant-team-member"}


def post(cco: CcoProcess, payload: dict[str, Any], headers: dict[str, str] = KEY) -> httpx.Response:
    return httpx.post(cco.url + "/v1/messages", json=payload, headers=headers, timeout=30)


def cache_of(response: httpx.Response) -> str:
    return str(response.headers.get("x-cco-cache", ""))


def until(check: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def l2_writes(cco: CcoProcess) -> int:
    return int(httpx.get(cco.url + "/api/cache/stats").json()["redis"]["writes"])


def test_a_miss_on_one_replica_is_a_hit_on_the_other(tmp_path: Path, fake_upstream: Upstream, redis_url: str) -> None:
    fake, server = fake_upstream
    config = write_config(tmp_path / "c", server.url)
    with (
        headless_cco(config, tmp_path / "a.db", "--redis", redis_url) as a,
        headless_cco(config, tmp_path / "b.db", env={"CCO_REDIS_URL": redis_url}) as b,
    ):
        first = post(a, body("shared question"))
        assert first.status_code == 200 and cache_of(first) == "miss"
        until(lambda: l2_writes(a) == 1)  # the write to Redis happens after the answer
        second = post(b, body("shared question"))
        assert second.status_code == 200 and cache_of(second) == "hit"
        assert second.json()["content"] == first.json()["content"]
        streamed = post(b, body("shared question", stream=True))  # the same entry replays as SSE
        assert cache_of(streamed) == "hit" and "message_stop" in streamed.text
        assert fake.count() == 1
        # another credential is another scope, on every replica: no answer crosses keys
        other = post(b, body("shared question"), {"x-api-key": "sk-ant-someone-else"})
        assert cache_of(other) == "miss" and fake.count() == 2
        stats = httpx.get(b.url + "/api/cache/stats").json()["redis"]
        assert stats["up"] is True and stats["hits"] == 1  # the SSE replay was an L1 hit on B
    entries = redis.Redis.from_url(redis_url).keys("cco:cache:*")
    assert len(entries) == 2


def test_entries_are_compressed_and_capped(tmp_path: Path, fake_upstream: Upstream, redis_url: str) -> None:
    fake, server = fake_upstream
    long_text = "the same sentence again. " * 4000  # 100 kB that compresses well
    fake.responder = lambda received: Reply(body=message(text=long_text))
    config = write_config(tmp_path / "c", server.url, {"cache": {"redis_max_entry_bytes": 20_000}})
    with headless_cco(config, tmp_path / "a.db", "--redis", redis_url) as a:
        assert post(a, body("big one")).status_code == 200
        until(lambda: l2_writes(a) == 1)
        fake.responder = lambda received: Reply(body=message(text=__import__("os").urandom(30_000).hex()))
        assert post(a, body("incompressible")).status_code == 200
        until(lambda: httpx.get(a.url + "/api/cache/stats").json()["redis"]["too_big"] == 1)
    client = redis.Redis.from_url(redis_url)
    (name,) = client.keys("cco:cache:*")
    assert len(client.get(name) or b"") < 20_000 < len(long_text)
    assert 0 < client.pttl(name) <= 86_400_000  # the cache's TTL


def test_rpm_20_is_exact_across_two_replicas(tmp_path: Path, fake_upstream: Upstream, redis_url: str) -> None:
    fake, server = fake_upstream
    fake.responder = lambda received: Reply(body=message(), head_delay_s=0.3)
    rule = {"name": "team-rpm", "model": "claude-*", "rpm": 20}
    config = write_config(tmp_path / "c", server.url, {"limits": [rule]})
    with (
        headless_cco(config, tmp_path / "a.db", "--redis", redis_url) as a,
        headless_cco(config, tmp_path / "b.db", "--redis", redis_url) as b,
    ):
        payloads = [body(f"distinct {n}") for n in range(60)]
        answers = asyncio.run(spread([a.url, b.url], payloads))
        assert a.stop() == 0 and b.stop() == 0
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] * 20 + [429] * 40
    assert fake.count() == 20
    admitted = [len([r for r in rows(db) if r["status"] == 200]) for db in (tmp_path / "a.db", tmp_path / "b.db")]
    assert sum(admitted) == 20 and min(admitted) > 0  # both replicas admitted some: the counter was shared


def test_budget_spend_is_summed_across_replicas(tmp_path: Path, fake_upstream: Upstream, redis_url: str) -> None:
    """Each answer costs ~$0.015 at Sonnet prices (100 in, 1000 out): $0.10 admits a handful, not per replica."""
    fake, server = fake_upstream
    fake.responder = lambda received: Reply(body=message(usage={"input_tokens": 100, "output_tokens": 1000}))
    budget = {"name": "team-day", "project": "*", "usd": 0.10, "period": "day"}
    config = write_config(tmp_path / "c", server.url, {"budgets": [budget]})
    with (
        headless_cco(config, tmp_path / "a.db", "--redis", redis_url) as a,
        headless_cco(config, tmp_path / "b.db", "--redis", redis_url) as b,
    ):
        statuses = [post(cco, body(f"q{n}", max_tokens=1000)).status_code for n in range(8) for cco in (a, b)]
    assert statuses.count(402) > 0 and statuses[:2] == [200, 200]
    spent = sum(row["cost_usd"] or 0 for db in (tmp_path / "a.db", tmp_path / "b.db") for row in rows(db))
    assert 0.09 - 0.016 < spent <= 0.10  # never over the budget, and nearly all of it used across both


def test_redis_stopped_mid_run_then_restarted(
    tmp_path: Path, fake_upstream: Upstream, redis_server: RedisServer, redis_url: str
) -> None:
    fake, server = fake_upstream
    config = write_config(tmp_path / "c", server.url, {"limits": [{"name": "rpm", "model": "*", "rpm": 1000}]})
    with (
        headless_cco(config, tmp_path / "a.db", "--redis", redis_url) as a,
        headless_cco(config, tmp_path / "b.db", "--redis", redis_url) as b,
    ):
        assert post(a, body("before")).status_code == 200
        redis_server.stop()
        try:
            during = [post(cco, body(f"during {n} on {cco.port}")) for n in range(3) for cco in (a, b)]
            assert [response.status_code for response in during] == [200] * 6  # served, limits count locally
            assert cache_of(post(b, body(f"during 0 on {a.port}"))) == "miss"  # A's answer is in A's memory only
            ready = httpx.get(a.url + "/health/ready")
            assert ready.status_code == 503
        finally:
            redis_server.start()
        until(lambda: httpx.get(a.url + "/health/ready").status_code == 200)
        until(lambda: httpx.get(b.url + "/health/ready").status_code == 200)
        calls = fake.count()
        assert cache_of(post(a, body("after"))) == "miss"
        until(lambda: l2_writes(a) >= 2)
        assert cache_of(post(b, body("after"))) == "hit"  # sharing resumed without restarting either cco
        assert fake.count() == calls + 1
        logs = a.log()
    assert logs.count("is unreachable") == 1 and "answers again" in logs


async def spread(urls: list[str], payloads: list[dict[str, Any]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(payloads))
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        sends = [
            client.post(urls[n % len(urls)] + "/v1/messages", json=payload, headers=KEY)
            for n, payload in enumerate(payloads)
        ]
        return await asyncio.gather(*sends)


def test_tokens_on_one_postgresql_a_revocation_reaches_both_replicas_within_a_second(
    tmp_path: Path, fake_upstream: Upstream, redis_url: str, postgres_url: str
) -> None:
    fake, server = fake_upstream
    config = write_config(tmp_path / "c", server.url, {"auth": "tokens"})
    created = cco_command("keys", "create", "--db", postgres_url, "--project", "web", "--json")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout.strip().splitlines()[-1])
    shared = ("--db", postgres_url, "--redis", redis_url)
    env = {"ANTHROPIC_API_KEY": OWN_KEY}
    with (
        headless_cco(config, tmp_path / "a.db", *shared, env=env) as a,
        headless_cco(config, tmp_path / "b.db", *shared, env=env) as b,
    ):
        header = {"x-api-key": token["token"]}
        assert [post(cco, body("hi"), header).status_code for cco in (a, b)] == [200, 200]
        assert fake.last.headers.get("x-api-key") == OWN_KEY  # never the token
        revoked = cco_command("keys", "revoke", token["id"], "--db", postgres_url)
        assert revoked.returncode == 0, revoked.stderr
        done = time.monotonic()
        time.sleep(1.2)  # the key ring re-reads the shared table every second
        statuses = [post(cco, body(f"after {cco.port}"), header).status_code for cco in (a, b)]
        assert statuses == [401, 401], time.monotonic() - done
