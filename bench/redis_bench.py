"""Redis as cco's shared tier, against a real redis-server on loopback (started here, in a temporary directory):

1. cache lookups: an L1 hit (the in-process W-TinyLFU) vs an L2 hit (Redis: round trip + zlib + decode);
2. through two cco replicas: the first request of B for what A answered (an L2 hit) vs its second (an L1 hit);
3. the govern step (2 limits, 2 budgets, admit + settle) with in-process counters vs Redis's Lua scripts.

Run: `.venv/bin/python -m bench.redis_bench [--count N]`. Needs redis-server (Debian: redis-server). Every
Redis figure is loopback round trips: on a loaded machine they grow with the scheduler's delays, so compare
numbers from one run. The govern step makes one round trip per counter it touches (6 here), in sequence.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson

from bench.bodies import claude_code_body, small_body
from bench.governance_bench import BUDGETS, LIMITS
from bench.harness import fake_upstream, write_config
from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.redis_tier import RedisTier, encode
from cco_tui.cache.store import ResponseCache
from cco_tui.config.limits import BudgetRule, LimitRule
from cco_tui.config.settings import RedisDown, load_config
from cco_tui.governance.counters import Counters, LocalCounters
from cco_tui.governance.governor import Governor
from cco_tui.governance.redis_counters import RedisCounters
from cco_tui.governance.rules import RuleBook, Subject
from cco_tui.redislink.link import RedisLink
from tests.fakes.process import headless_cco
from tests.servers import RedisServer

USAGE = {"input_tokens": 20_000, "output_tokens": 500}


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="cco-bench-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def entries() -> list[tuple[str, CacheEntry]]:
    sse = b"".join(
        b"event: content_block_delta\ndata: " + orjson.dumps({"n": n, "text": "x" * 60}) + b"\n\n" for n in range(1000)
    )
    return [
        (
            "1 KB JSON answer",
            CacheEntry.create(b"{" + b'"t":"' + b"y" * 1000 + b'"}', is_stream=False, usage=USAGE, model="m"),
        ),
        (f"{len(sse) // 1000} KB SSE answer", CacheEntry.create(sse, is_stream=True, usage=USAGE, model="m")),
    ]


async def timed(count: int, call: Callable[[], Awaitable[object]]) -> float:
    """Median µs of `count` sequential calls."""
    timings = []
    for _ in range(count):
        t0 = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(timings)


async def cache_tiers(url: str, count: int) -> None:
    link = RedisLink(url)
    await link.open()
    tier = RedisTier(link, 3600, 64 * 1024 * 1024)
    l1 = ResponseCache(256 * 1024 * 1024, 3600)
    for label, entry in entries():
        l1.put("s", label, entry)
        await tier.put("s", label, entry)

        async def l1_get(label: str = label) -> object:
            return l1.get("s", label)

        async def l2_get(label: str = label) -> object:
            return await tier.get("s", label)

        await timed(count // 2, l2_get)  # warm-up
        stored = len(encode(entry))
        print(f"{label:<20} ({len(entry.body):>6} B, {stored:>6} B in Redis)", end="  ")
        print(f"L1 hit {await timed(count, l1_get):8.1f} µs   L2 hit {await timed(count, l2_get):8.1f} µs")
    await link.close()


def through_replicas(url: str, count: int) -> None:
    with fake_upstream() as upstream:
        config = write_config(upstream, {"redis_url": url})
        with (
            headless_cco(config, config / "a.db", "--log-level", "warning") as a,
            headless_cco(config, config / "b.db", "--log-level", "warning") as b,
        ):
            for name, payload in (("small JSON", small_body()), ("75KB stream", claude_code_body(stream=True))):
                bodies = [orjson.dumps({**payload, "metadata": {"user_id": f"bench-{name}-{n}"}}) for n in range(count)]
                with httpx.Client(headers={"x-api-key": "k", "content-type": "application/json"}, timeout=60) as client:
                    for body in bodies:
                        client.post(a.url + "/v1/messages", content=body)
                    time.sleep(0.5)  # A's writes to Redis are in the background
                    l2 = [_post_ms(client, b.url, body, "hit") for body in bodies]
                    l1 = [_post_ms(client, b.url, body, "hit") for body in bodies]
                print(
                    f"cco replica B, {name:<12} first ask (L2 hit) p50 {statistics.median(l2):6.3f} ms"
                    f"   again (L1 hit) p50 {statistics.median(l1):6.3f} ms"
                )


def _post_ms(client: httpx.Client, base: str, body: bytes, expect: str) -> float:
    t0 = time.perf_counter()
    response = client.post(base + "/v1/messages", content=body)
    elapsed = (time.perf_counter() - t0) * 1000
    assert response.headers.get("x-cco-cache") == expect, response.headers.get("x-cco-cache")
    return elapsed


async def governance(url: str, count: int) -> None:
    limits = tuple(LimitRule(**rule) for rule in LIMITS)  # type: ignore[arg-type]
    budgets = tuple(BudgetRule(**rule) for rule in BUDGETS)  # type: ignore[arg-type]
    pricing = load_config(None).pricing
    link = RedisLink(url)
    await link.open()
    remote = RedisCounters(link, RedisDown())
    for label, counters in (("in-process counters", LocalCounters()), ("Redis counters (Lua)", remote)):
        governor = Governor(RuleBook(limits, budgets), counters, pricing, lambda *_: 0.0)
        subject = Subject("claude-sonnet-4-6", "web")

        async def one(governor: Governor = governor, subject: Subject = subject) -> None:
            ticket = await governor.admit(subject, None, 20_000, 32_000)
            assert ticket is not None
            ticket.close(20_500, 0.1)

        await timed(count // 2, one)  # warm-up: the first few hundred round trips on a fresh connection are slow
        await _drain(counters)
        cpu = time.process_time()
        median = await timed(count, one)
        await _drain(counters)
        cpu_us = (time.process_time() - cpu) / count * 1e6  # this process's CPU: what the round trips cost cco
        print(f"govern step, 2 limits + 2 budgets, {label:<22} median {median:8.1f} µs per request", end="")
        print(f"  (cco CPU {cpu_us:6.1f} µs)")
        print(f"{'':<10}{'100 concurrent requests':<38}", end=" ")
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(100)))
        await _drain(counters)
        print(f"{(time.perf_counter() - t0) * 1000:8.2f} ms in all")
    await link.close()


async def _drain(counters: Counters) -> None:
    if isinstance(counters, RedisCounters):
        await counters.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with redis_server() as url:
        asyncio.run(cache_tiers(url, args.count))
        through_replicas(url, max(20, args.count // 20))
        asyncio.run(governance(url, args.count))


if __name__ == "__main__":
    main()
