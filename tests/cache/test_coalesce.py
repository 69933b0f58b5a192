"""Coalescing: followers get exactly what the leader relays; a failed or vanished leader never hangs them."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest

from cco_tui.cache.coalesce import Flight, FlightFailed, Follower, InFlight
from cco_tui.cache.entry import CacheEntry
from tests.cache import streams

SSE_HEAD = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"request-id", b"req_1")]
CHUNKS = streams.chunks_of(streams.TOOL_STREAM, 97)
HANG_GUARD_S = 10  # only fails a hung test; nothing is timed


async def collect(follower: Follower) -> bytes:
    await follower.head()
    return b"".join([chunk async for chunk in follower])


async def lead(flight: Flight, chunks: list[bytes], success: bool = True) -> None:
    with flight:
        await asyncio.sleep(0)
        flight.publish_head(200, SSE_HEAD, is_stream=True)
        for chunk in chunks:
            flight.publish(chunk)
            await asyncio.sleep(0)  # let followers run between chunks, as network reads would
        flight.finish(success)


async def test_twenty_followers_get_the_leaders_bytes_even_when_joining_late() -> None:
    table = InFlight()
    flight, leading = table.begin("scope", "key")
    assert leading
    early = [asyncio.create_task(collect(table.begin("scope", "key")[0].follow())) for _ in range(10)]
    leader = asyncio.create_task(lead(flight, CHUNKS))
    for _ in range(len(CHUNKS) // 2):
        await asyncio.sleep(0)
    late_flight, late_leading = table.begin("scope", "key")
    assert late_flight is flight and not late_leading
    late = [asyncio.create_task(collect(late_flight.follow())) for _ in range(10)]
    bodies = await asyncio.wait_for(asyncio.gather(*early, *late), HANG_GUARD_S)
    await leader
    assert bodies == [streams.TOOL_STREAM] * 20
    assert flight.succeeded and flight.body() == streams.TOOL_STREAM


async def test_head_waits_for_the_first_chunk_then_commits_the_follower() -> None:
    table = InFlight()
    flight, _ = table.begin("s", "k")
    follower = flight.follow()
    waiting = asyncio.create_task(follower.head())
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    await asyncio.sleep(0)
    assert not waiting.done()  # a head alone could still be followed by a failure
    flight.publish(CHUNKS[0])
    head = await asyncio.wait_for(waiting, HANG_GUARD_S)
    assert (head.status, list(head.headers), head.is_stream) == (200, SSE_HEAD, True)
    flight.finish(False)  # the leader's stream is cut after the follower committed
    assert [chunk async for chunk in follower] == [CHUNKS[0]]  # it ends as the leader's did, no retry


async def test_a_failure_between_head_and_first_chunk_means_retry() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    waiting = asyncio.create_task(follower.head())
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    await asyncio.sleep(0)
    flight.finish(False)
    with pytest.raises(FlightFailed):
        await asyncio.wait_for(waiting, HANG_GUARD_S)


async def test_a_follower_closed_by_its_relay_leaves_the_flight() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    await follower.aclose()
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    flight.publish(CHUNKS[0])
    assert not flight._followers and not follower.queue


async def test_the_table_forgets_a_flight_when_it_ends() -> None:
    table = InFlight()
    flight, _ = table.begin("s", "k")
    assert len(table) == 1
    await lead(flight, CHUNKS)
    assert len(table) == 0
    again, leading = table.begin("s", "k")
    assert leading and again is not flight


async def test_different_keys_and_scopes_do_not_coalesce() -> None:
    table = InFlight()
    assert table.begin("alice", "k")[1]
    assert table.begin("bob", "k")[1]
    assert table.begin("alice", "k2")[1]
    assert not table.begin("alice", "k")[1]


async def test_leader_failure_before_any_bytes_tells_followers_to_retry() -> None:
    table = InFlight()
    flight, _ = table.begin("s", "k")
    followers = [flight.follow() for _ in range(5)]
    waiting = [asyncio.create_task(collect(f)) for f in followers]
    await asyncio.sleep(0)
    flight.finish(False)
    results = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), HANG_GUARD_S)
    assert all(isinstance(result, FlightFailed) for result in results)
    assert table.begin("s", "k")[1]  # the next identical request leads a new flight


async def test_error_status_is_never_shared() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    flight.publish_head(529, [(b"content-type", b"application/json")], is_stream=False)
    flight.publish(b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')
    assert flight.done and not flight.succeeded
    with pytest.raises(FlightFailed):
        await asyncio.wait_for(collect(follower), HANG_GUARD_S)


async def test_failure_midway_ends_started_followers_and_fails_the_others() -> None:
    flight, _ = InFlight().begin("s", "k")
    started, idle = flight.follow(), flight.follow()
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    flight.publish(CHUNKS[0])
    assert await anext(started) == CHUNKS[0]
    flight.publish(CHUNKS[1])
    flight.finish(False)  # e.g. the upstream stream was cut
    rest = [chunk async for chunk in started]
    assert rest == [CHUNKS[1]]  # it ends where the leader's stream ended
    with pytest.raises(FlightFailed):
        await anext(idle)


async def test_read_all_refuses_a_partial_body() -> None:
    flight, _ = InFlight().begin("s", "k")
    whole, partial = flight.follow(), flight.follow()
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    flight.publish(CHUNKS[0])
    reading = asyncio.create_task(partial.read_all())
    await asyncio.sleep(0)
    flight.finish(False)
    with pytest.raises(FlightFailed):
        await asyncio.wait_for(reading, HANG_GUARD_S)
    with pytest.raises(FlightFailed):
        await whole.read_all()


async def test_read_all_and_the_entry_of_a_successful_flight() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    item = CacheEntry.create(streams.TOOL_STREAM, is_stream=True, usage={"output_tokens": 89}, model="m")
    leader = asyncio.create_task(lead_with_entry(flight, item))
    assert await asyncio.wait_for(follower.read_all(), HANG_GUARD_S) == streams.TOOL_STREAM
    await leader
    assert flight.entry is item


async def lead_with_entry(flight: Flight, item: CacheEntry) -> None:
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    for chunk in CHUNKS:
        flight.publish(chunk)
        await asyncio.sleep(0)
    flight.finish(True, item)


async def test_a_cancelled_leader_does_not_hang_followers() -> None:
    table = InFlight()
    flight, _ = table.begin("s", "k")
    upstream_answered = asyncio.Event()

    async def leader() -> None:
        with flight:
            flight.publish_head(200, SSE_HEAD, is_stream=True)
            await upstream_answered.wait()  # the client disconnects while this waits

    task = asyncio.create_task(leader())
    follower = flight.follow()
    waiting = asyncio.create_task(collect(follower))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(FlightFailed):
        await asyncio.wait_for(waiting, HANG_GUARD_S)
    assert len(table) == 0


async def test_a_relay_that_never_started_fails_the_flight_when_dropped() -> None:
    flight, _ = InFlight().begin("s", "k")

    async def relay() -> AsyncIterator[bytes]:
        with flight:
            yield b"never"

    body = relay()
    flight.bind(body)
    follower = flight.follow()
    waiting = asyncio.create_task(collect(follower))
    await asyncio.sleep(0)
    del body  # the server dropped the response without iterating it (the client left first)
    gc.collect()
    with pytest.raises(FlightFailed):
        await asyncio.wait_for(waiting, HANG_GUARD_S)


async def test_a_cancelled_follower_leaves_the_flight() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    waiting = asyncio.create_task(collect(follower))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not flight._followers  # nothing more is queued for it


async def test_a_body_over_the_buffer_bound_is_not_held_and_not_joinable() -> None:
    table = InFlight(max_buffer_bytes=300)
    flight, _ = table.begin("s", "k")
    follower = flight.follow()
    consuming = asyncio.create_task(collect(follower))
    await lead(flight, CHUNKS)
    assert await asyncio.wait_for(consuming, HANG_GUARD_S) == streams.TOOL_STREAM  # joined in time: all
    assert flight.body() is None  # too big to cache, so not kept
    assert table.begin("s", "k")[1]


async def test_joining_after_the_bound_was_passed_fails_fast() -> None:
    table = InFlight(max_buffer_bytes=100)
    flight, _ = table.begin("s", "k")
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    flight.publish(b"x" * 101)
    with pytest.raises(FlightFailed):
        flight.follow()
    assert table.begin("s", "k")[1]


async def test_the_first_finish_wins() -> None:
    flight, _ = InFlight().begin("s", "k")
    flight.publish_head(200, SSE_HEAD, is_stream=True)
    flight.finish(True)
    flight.finish(False)
    flight.publish(b"late")
    assert flight.succeeded and flight.body() == b""


async def test_a_flight_without_a_head_cannot_succeed() -> None:
    flight, _ = InFlight().begin("s", "k")
    follower = flight.follow()
    flight.finish(True)
    assert not flight.succeeded
    with pytest.raises(FlightFailed):
        await follower.head()
