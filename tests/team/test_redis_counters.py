"""RedisCounters against a real redis-server: two instances stand for two replicas (each its own link, as two
processes would have). Exactness under concurrency, budget bases, expiring holds, and Redis going away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis

from cco_tui.config.settings import RedisDown
from cco_tui.governance.counters import Unavailable
from cco_tui.governance.redis_counters import RedisCounters
from cco_tui.redislink.link import RedisLink
from tests.servers import free_port

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def pair(redis_url: str) -> AsyncIterator[tuple[RedisCounters, RedisCounters]]:
    links = [RedisLink(redis_url), RedisLink(redis_url)]
    for link in links:
        await link.open()
    counters = (RedisCounters(links[0], RedisDown()), RedisCounters(links[1], RedisDown()))
    yield counters
    for each in counters:
        await each.drain()
        await each.link.close()
    redis.Redis.from_url(redis_url).flushdb()


async def test_a_window_admits_exactly_its_limit_across_replicas(pair: tuple[RedisCounters, RedisCounters]) -> None:
    a = pair[0]
    windows = await asyncio.gather(*(pair[n % 2].admit("limit:x:*:rpm", 20, 60.0) for n in range(60)))
    assert sum(window.allowed for window in windows) == 20
    refused = next(window for window in windows if not window.allowed)
    assert refused.remaining == 0 and refused.limit == 20 and 1 <= refused.retry_after() <= 60
    assert a.window("limit:x:*:rpm") is not None


async def test_tokens_are_adjusted_to_the_real_count(pair: tuple[RedisCounters, RedisCounters]) -> None:
    a, b = pair
    assert (await a.admit("limit:t:*:tpm", 1000, 60.0, 900)).allowed
    assert not (await b.admit("limit:t:*:tpm", 1000, 60.0, 200)).allowed
    a.adjust("limit:t:*:tpm", -800)  # the estimate was 900, the answer used 100
    await a.drain()
    assert (await b.admit("limit:t:*:tpm", 1000, 60.0, 200)).allowed


async def test_reservations_never_overshoot_and_settle_to_real_cost(
    pair: tuple[RedisCounters, RedisCounters],
) -> None:
    a, b = pair
    key = "budget:day:*:0"
    held = await asyncio.gather(*(pair[n % 2].reserve(key, 1.0, 10.0, 2.0) for n in range(30)))
    taken = [reservation for reservation in held if reservation is not None]
    assert len(taken) == 8  # $2 spent before + 8 x $1 held = the $10 budget
    for reservation in taken:
        (a if reservation.id in a._remote else b).settle(reservation, 0.25)
    await a.drain()
    await b.drain()
    assert await a.reserve(key, 5.0, 10.0, 2.0) is not None  # 2 + 8 x 0.25 settled = 4, +5 fits
    held_now, settled = a.usage(key)
    assert held_now == pytest.approx(5.0) and settled == pytest.approx(2.0)


async def test_a_later_replica_does_not_count_spend_twice(pair: tuple[RedisCounters, RedisCounters]) -> None:
    """B started after A had settled $3: B's store read says $5 (2 before A + A's 3), Redis already has those 3."""
    a, b = pair
    key = "budget:day:*:1"
    first = await a.reserve(key, 3.0, 10.0, 2.0)
    assert first is not None
    a.settle(first, 3.0)
    await a.drain()
    assert await b.reserve(key, 5.0, 10.0, 5.0) is not None  # 2 + 3 + 5 = 10: fits exactly
    held, settled = b.usage(key)
    assert 5.0 + settled + held == pytest.approx(10.0)  # what the governor shows adds up to Redis's view


async def test_a_dead_replicas_holds_expire(pair: tuple[RedisCounters, RedisCounters], redis_url: str) -> None:
    a, b = pair
    key = "limit:c:*:concurrent"
    assert await a.reserve(key, 1, 1, 0) is not None
    assert await b.reserve(key, 1, 1, 0) is None
    client = redis.Redis.from_url(redis_url)
    client.zadd(f"cco:gov:{{{key}}}:holds", {f"{a.replica}:{1 << 48}": 1})  # as if its expiry had passed
    assert await b.reserve(key, 1, 1, 0) is not None


async def test_redis_down_open_counts_locally_and_closed_refuses() -> None:
    link = RedisLink(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.5)  # nothing listens there
    await link.open()
    assert not link.up
    open_limits = RedisCounters(link, RedisDown(limits="open", budgets="closed"))
    windows = [await open_limits.admit("limit:x:*:rpm", 2, 60.0) for _ in range(3)]
    assert [window.allowed for window in windows] == [True, True, False]
    assert await open_limits.reserve("limit:x:*:concurrent", 1, 1, 0) is not None
    with pytest.raises(Unavailable):
        await open_limits.reserve("budget:day:*:0", 1.0, 10.0, 0.0)
    closed = RedisCounters(link, RedisDown(limits="closed", budgets="open"))
    with pytest.raises(Unavailable):
        await closed.admit("limit:x:*:rpm", 2, 60.0)
    assert await closed.reserve("budget:day:*:0", 1.0, 10.0, 0.0) is not None
    await link.close()
