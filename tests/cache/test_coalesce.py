"""Coalescing: followers get the leader's completed entry or nothing (then they go upstream); never a hang."""

from __future__ import annotations

import asyncio
import gc

from cco_tui.cache.coalesce import InFlight
from cco_tui.cache.entry import CacheEntry
from tests.cache import streams

HANG_GUARD_S = 10  # only fails a hung test; nothing is timed


def entry() -> CacheEntry:
    return CacheEntry.create(streams.TOOL_STREAM, is_stream=True, usage={"output_tokens": 3}, model="m")


async def test_twenty_followers_get_the_leaders_entry() -> None:
    table = InFlight()
    flight, leader = table.begin("s", "k")
    assert leader
    followers = [table.begin("s", "k") for _ in range(20)]
    assert all(not is_leader and joined is flight for joined, is_leader in followers)
    waiting = [asyncio.create_task(joined.wait()) for joined, _ in followers]
    await asyncio.sleep(0)
    assert not any(task.done() for task in waiting), "followers wait for the end, they are handed nothing before"
    item = entry()
    flight.finish(item)
    assert all(got is item for got in await asyncio.wait_for(asyncio.gather(*waiting), HANG_GUARD_S))
    assert len(table) == 0


async def test_a_failed_flight_shares_nothing_and_the_next_request_leads() -> None:
    table = InFlight()
    flight, _ = table.begin("s", "k")
    waiting = asyncio.create_task(flight.wait())
    await asyncio.sleep(0)
    flight.finish(None)
    assert await asyncio.wait_for(waiting, HANG_GUARD_S) is None
    again, leader = table.begin("s", "k")
    assert leader and again is not flight


async def test_the_first_finish_wins() -> None:
    flight, _ = InFlight().begin("s", "k")
    flight.finish(None)
    flight.finish(entry())
    assert await flight.wait() is None


async def test_different_keys_and_scopes_do_not_coalesce() -> None:
    table = InFlight()
    assert table.begin("s", "k")[1]
    assert table.begin("s", "other")[1]
    assert table.begin("other-scope", "k")[1]
    assert not table.begin("s", "k")[1]


async def test_a_relay_dropped_without_reporting_the_end_releases_followers() -> None:
    flight, _ = InFlight().begin("s", "k")

    class Relay:
        pass

    relay = Relay()
    flight.bind(relay)
    waiting = asyncio.create_task(flight.wait())
    await asyncio.sleep(0)
    del relay  # the server dropped the response without sending it (e.g. stopped meanwhile)
    gc.collect()
    assert await asyncio.wait_for(waiting, HANG_GUARD_S) is None
