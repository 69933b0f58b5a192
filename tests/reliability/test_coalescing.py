"""Coalescing never shares a failed answer: followers of a leader that fails go upstream themselves, and only a
complete answer is labelled or recorded as a hit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message, stream_events
from tests.reliability.conftest import BODY, KEY, rows, serve

FOLLOWERS = 9
OVERLOADED = ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})


def failing_leader(kind: str) -> Reply:
    events = stream_events(message(text="the leader's answer, which will not finish"), fragments=6)
    if kind == "error_event":
        return Reply(events=[*events[:5], OVERLOADED], delay_s=0.1)
    return Reply(events=events[:5], delay_s=0.1, cut=True)  # the connection drops mid-stream


async def fire(url: str, body: dict[str, Any], count: int, fake: FakeAnthropic) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=count)) as client:
        first = asyncio.ensure_future(client.post(url + "/v1/messages", json=body, headers=KEY))
        while fake.count() == 0:  # the leader is upstream before the followers arrive
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.35)  # and has relayed its first events
        rest = [client.post(url + "/v1/messages", json=body, headers=KEY) for _ in range(count - 1)]
        return [await first, *await asyncio.gather(*rest)]


def complete(response: httpx.Response) -> bool:
    return b"event: message_stop" in response.content and b"event: error" not in response.content


@pytest.mark.parametrize("kind", ["error_event", "reset"])
@pytest.mark.parametrize("stream", [True, False])
def test_followers_of_a_failed_leader_go_upstream(tmp_path: Path, fake_upstream, kind: str, stream: bool) -> None:
    fake, upstream = fake_upstream
    fake.then(failing_leader(kind))
    body = {**BODY, "stream": stream}
    with serve(tmp_path, upstream) as server:
        responses = asyncio.run(fire(server.url, body, FOLLOWERS + 1, fake))
        leader, followers = responses[0], responses[1:]
        assert b"error" in leader.content or leader.status_code >= 500
        for response in followers:
            assert response.status_code == 200, response.text
            assert complete(response) if stream else response.json()["type"] == "message", response.text
        assert fake.count() >= 2, "a follower went upstream itself"
        again = httpx.post(server.url + "/v1/messages", json={**BODY, "stream": True}, headers=KEY, timeout=30)
        assert again.headers["x-cco-cache"] == "hit" and complete(again)
        assert b"will not finish" not in again.content, "nothing of the failed answer was cached"
        time.sleep(0.5)
    recorded = rows(tmp_path / "cco.db")
    assert len(recorded) == FOLLOWERS + 2
    for row in recorded:
        if row["cache_status"] == "hit":
            assert row["status"] == 200 and row["error_type"] is None, row
    assert recorded[0]["error_type"] is not None  # the leader's row says its answer failed


def test_a_streaming_follower_is_a_hit_only_with_the_whole_answer(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.then(Reply(events=stream_events(message(text="shared"), fragments=1), delay_s=0.05))
    with serve(tmp_path, upstream) as server:
        responses = asyncio.run(fire(server.url, {**BODY, "stream": True}, 5, fake))
    assert fake.count() == 1
    assert [r.headers["x-cco-cache"] for r in responses] == ["miss"] + ["hit"] * 4
    assert all(complete(r) and b"shared" in r.content for r in responses)
