"""The in-process counters: check-and-increment is exact when many coroutines race on one loop."""

from __future__ import annotations

import asyncio
import time

from cco_tui.governance.counters import LocalCounters, Reservation


async def _admit_many(counters: LocalCounters, n: int) -> int:
    windows = await asyncio.gather(*(counters.admit("k", 30, 60, 1) for _ in range(n)))
    return sum(window.allowed for window in windows)


def test_window_admits_exactly_the_limit() -> None:
    counters = LocalCounters()
    assert asyncio.run(_admit_many(counters, 100)) == 30
    window = counters.window("k")
    assert window is not None and window[0] == 30 and window[1] > time.time()


def test_refused_window_says_when_to_retry() -> None:
    counters = LocalCounters()
    asyncio.run(counters.admit("k", 1, 10, 1))
    refused = asyncio.run(counters.admit("k", 1, 10, 1))
    assert not refused.allowed and refused.remaining == 0 and 1 <= refused.retry_after() <= 10


def test_adjust_settles_an_estimate() -> None:
    counters = LocalCounters()
    assert asyncio.run(counters.admit("t", 1000, 60, 900)).allowed
    assert not asyncio.run(counters.admit("t", 1000, 60, 200)).allowed
    counters.adjust("t", -800)  # the real usage was 100
    assert asyncio.run(counters.admit("t", 1000, 60, 200)).allowed


async def _reserve_many(counters: LocalCounters) -> list[Reservation | None]:
    return await asyncio.gather(*(counters.reserve("b", 1.5, 10.0, 2.0) for _ in range(20)))


def test_reservations_never_exceed_the_limit() -> None:
    counters = LocalCounters()
    held = [r for r in asyncio.run(_reserve_many(counters)) if r is not None]
    assert len(held) == 5  # 2 spent + 5 * 1.5 = 9.5, within 10
    for reservation in held:
        counters.settle(reservation, 1.0)
        counters.settle(reservation, 1.0)  # twice: counted once
    assert counters.usage("b") == (0.0, 5.0)
    assert asyncio.run(counters.reserve("b", 3.0, 10.0, 2.0)) is not None
    assert asyncio.run(counters.reserve("b", 0.5, 10.0, 2.0)) is None
