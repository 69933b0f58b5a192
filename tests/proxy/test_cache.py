"""The response cache through the real server: hits never reach upstream, and only sound answers are kept."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anthropic
import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message, stream_events
from tests.fakes.serve import ThreadedServer, running

BODY: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "What is 2+2?"}],
    "tools": [{"name": "calc", "description": "math", "input_schema": {"type": "object"}}],
    "metadata": {"user_id": "session-A"},
}
KEY_A = {"x-api-key": "sk-ant-client-a"}


def blocks(reply: anthropic.types.Message) -> list[dict[str, Any]]:
    """Content as plain data (the stream helper returns Parsed* block classes for the same content)."""
    return [{k: v for k, v in block.model_dump().items() if k != "parsed_output"} for block in reply.content]


def post(server: ThreadedServer, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(server.url + "/v1/messages", json=body, headers={**KEY_A, **headers}, timeout=30)


def changed(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    body.update(overrides)
    return body


@pytest.fixture
def cache_cco(tmp_path: Path, fake_upstream) -> Iterator[ThreadedServer]:
    with serve_with(tmp_path, fake_upstream[1], {}) as server:
        yield server


@contextmanager
def serve_with(tmp_path: Path, upstream: ThreadedServer, cache: dict[str, Any]) -> Iterator[ThreadedServer]:
    config = load_config(str(write_config(tmp_path / "c", upstream.url, settings={"cache": cache})))
    with running(create_app(config, tmp_path / "cco.db")) as server:
        yield server


def test_miss_then_hit_never_reaches_upstream(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    first = post(cache_cco, BODY)
    second = post(cache_cco, BODY)
    assert first.headers["x-cco-cache"] == "miss"
    assert second.headers["x-cco-cache"] == "hit"
    assert second.json() == first.json()
    assert fake.count() == 1


def test_metadata_and_session_header_do_not_matter(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    post(cache_cco, BODY, **{"x-claude-code-session-id": "one"})
    other = post(cache_cco, changed(metadata={"user_id": "session-B"}), **{"x-claude-code-session-id": "two"})
    assert other.headers["x-cco-cache"] == "hit"
    assert fake.count() == 1


@pytest.mark.parametrize(
    "variant",
    [
        {"model": "claude-opus-4-8"},
        {"messages": [{"role": "user", "content": "What is 3+3?"}]},
        {"tools": []},
        {"max_tokens": 65},
    ],
)
def test_answer_relevant_changes_miss(cache_cco: ThreadedServer, fake: FakeAnthropic, variant: dict[str, Any]) -> None:
    post(cache_cco, BODY)
    assert post(cache_cco, changed(**variant)).headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_beta_flags_matter_but_not_their_order(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    post(cache_cco, BODY, **{"anthropic-beta": "a-1,b-2"})
    assert post(cache_cco, BODY, **{"anthropic-beta": "b-2, a-1"}).headers["x-cco-cache"] == "hit"
    assert post(cache_cco, BODY, **{"anthropic-beta": "a-1"}).headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_scope_isolates_credentials(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    post(cache_cco, BODY)
    other = httpx.post(cache_cco.url + "/v1/messages", json=BODY, headers={"x-api-key": "sk-ant-client-b"})
    assert other.headers["x-cco-cache"] == "miss"
    bearer = httpx.post(cache_cco.url + "/v1/messages", json=BODY, headers={"authorization": "Bearer tok-c"})
    assert bearer.headers["x-cco-cache"] == "miss"
    assert fake.count() == 3
    assert post(cache_cco, BODY).headers["x-cco-cache"] == "hit"


def test_shared_scope_shares(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve_with(tmp_path, upstream, {"scope": "shared"}) as server:
        post(server, BODY)
        other = httpx.post(server.url + "/v1/messages", json=BODY, headers={"x-api-key": "sk-ant-client-b"})
        assert other.headers["x-cco-cache"] == "hit"
    assert fake.count() == 1


def test_stream_is_stored_and_replayed_as_stream_and_json(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    tool = {"type": "tool_use", "id": "toolu_9", "name": "calc", "input": {"expr": "2+2", "digits": [1, 2]}}
    original = message(
        content=[{"type": "text", "text": "Computing."}, tool],
        stop_reason="tool_use",
        usage={"input_tokens": 300, "output_tokens": 40, "cache_read_input_tokens": 1000},
    )
    fake.then(Reply(events=stream_events(original, fragments=4)))
    client = anthropic.Anthropic(base_url=cache_cco.url, api_key=KEY_A["x-api-key"], max_retries=0)
    params: dict[str, Any] = {k: v for k, v in BODY.items() if k != "metadata"}
    with client.messages.stream(**params) as stream:
        streamed = stream.get_final_message()
    with client.messages.with_streaming_response.create(**params, stream=True) as raw:
        assert raw.headers["x-cco-cache"] == "hit"
    with client.messages.stream(**params) as stream:
        replayed_stream = stream.get_final_message()
    replayed_json = client.messages.create(**params)
    assert fake.count() == 1
    for replay in (replayed_stream, replayed_json):
        assert blocks(replay) == blocks(streamed)
        assert replay.usage.input_tokens == 300
        assert replay.usage.output_tokens == 40
        assert replay.usage.cache_read_input_tokens == 1000
        assert replay.stop_reason == "tool_use"


def test_json_answer_replayed_as_stream(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    client = anthropic.Anthropic(base_url=cache_cco.url, api_key=KEY_A["x-api-key"], max_retries=0)
    params: dict[str, Any] = {k: v for k, v in BODY.items() if k != "metadata"}
    first = client.messages.create(**params)
    with client.messages.stream(**params) as stream:
        replayed = stream.get_final_message()
    assert fake.count() == 1
    assert blocks(replayed) == blocks(first)
    assert replayed.usage.output_tokens == first.usage.output_tokens


@pytest.mark.parametrize("broken", ["cut", "error_event"])
def test_incomplete_streams_are_not_stored(cache_cco: ThreadedServer, fake: FakeAnthropic, broken: str) -> None:
    events = stream_events(message())
    if broken == "cut":
        fake.then(Reply(events=events[:-2], cut=True))
    else:
        error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        fake.then(Reply(events=[*events[:4], ("error", error)]))
    body = changed(stream=True)
    with httpx.stream("POST", cache_cco.url + "/v1/messages", json=body, headers=KEY_A) as response:
        b"".join(response.iter_bytes())  # the client reads what there is
    again = post(cache_cco, body)
    assert again.headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_errors_are_not_stored(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    fake.then(Reply(status=500, body={"type": "error", "error": {"type": "api_error", "message": "boom"}}))
    assert post(cache_cco, BODY).status_code == 500
    assert post(cache_cco, BODY).headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_bypass_and_refresh_controls(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    bypass = post(cache_cco, BODY, **{"x-cco-cache": "bypass"})
    assert bypass.headers["x-cco-cache"] == "bypass"
    assert post(cache_cco, BODY, **{"cache-control": "no-store"}).headers["x-cco-cache"] == "bypass"
    assert post(cache_cco, BODY).headers["x-cco-cache"] == "miss"  # bypass wrote nothing
    assert post(cache_cco, BODY, **{"x-cco-cache": "refresh"}).headers["x-cco-cache"] == "refresh"
    assert post(cache_cco, BODY, **{"cache-control": "no-cache"}).headers["x-cco-cache"] == "refresh"
    assert post(cache_cco, BODY).headers["x-cco-cache"] == "hit"
    assert fake.count() == 5


def test_route_and_settings_can_turn_the_cache_off(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve_with(tmp_path / "a", upstream, {"enabled": False}) as server:
        post(server, BODY)
        assert post(server, BODY).headers["x-cco-cache"] == "off"
    routes = [{"pattern": "^claude-", "provider": "anthropic", "endpoint": upstream.url + "/v1", "cache": False}]
    config = load_config(str(write_config(tmp_path / "b", upstream.url, routes=routes)))
    with running(create_app(config, tmp_path / "b.db")) as server:
        post(server, BODY)
        assert post(server, BODY).headers["x-cco-cache"] == "off"
    assert fake.count() == 4


def test_ttl_expiry(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve_with(tmp_path, upstream, {"ttl_seconds": 0.5}) as server:
        post(server, BODY)
        assert post(server, BODY).headers["x-cco-cache"] == "hit"
        time.sleep(0.8)
        assert post(server, BODY).headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_byte_bound_evicts_and_stats_and_clear(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.responder = lambda received: Reply(body=message(text="x" * 3000))
    with serve_with(tmp_path, upstream, {"max_bytes": 40_000}) as server:
        for n in range(60):
            post(server, changed(messages=[{"role": "user", "content": f"question {n}"}]))
        stats = httpx.get(server.url + "/api/cache/stats").json()
        assert stats["bytes"] <= stats["max_bytes"] == 40_000
        assert stats["evictions"] > 0
        assert 0 < stats["entries"] < 60
        assert set(stats) >= {
            "entries",
            "bytes",
            "max_bytes",
            "hits",
            "misses",
            "hit_rate",
            "evictions",
            "coalesced",
        }
        cleared = httpx.post(server.url + "/api/cache/clear").json()
        assert cleared == {"cleared": stats["entries"]}
        assert httpx.get(server.url + "/api/cache/stats").json()["entries"] == 0


async def fire(server: ThreadedServer, body: dict[str, Any], count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=count)) as client:
        return await asyncio.gather(
            *(client.post(server.url + "/v1/messages", json=body, headers=KEY_A) for _ in range(count))
        )


@pytest.mark.parametrize("stream", [False, True])
def test_coalescing_twenty_identical_requests(cache_cco: ThreadedServer, fake: FakeAnthropic, stream: bool) -> None:
    slow = message(text="one answer for everyone")
    fake.then(Reply(events=stream_events(slow), delay_s=0.15) if stream else Reply(body=slow, head_delay_s=0.5))
    responses = asyncio.run(fire(cache_cco, changed(stream=stream), 20))
    assert fake.count() == 1
    assert all(r.status_code == 200 for r in responses)
    if stream:
        assert all(b"one answer for everyone"[:8] in r.content and b"message_stop" in r.content for r in responses)
        assert len({r.content for r in responses}) == 1
    else:
        assert all(r.json()["content"][0]["text"] == "one answer for everyone" for r in responses)
    stats = httpx.get(cache_cco.url + "/api/cache/stats").json()
    assert (stats["hits"], stats["misses"]) == (19, 1)  # followers count as hits, as the dashboard shows them
    assert 0 < stats["coalesced"] <= 19


def test_followers_of_a_failed_leader_retry_themselves(cache_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    fake.then(Reply(status=529, body=error, head_delay_s=0.3))
    responses = asyncio.run(fire(cache_cco, BODY, 5))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(529) == 1  # only the leader got the upstream's error
    assert statuses.count(200) == 4
    assert fake.count() >= 2


def test_cache_api_is_loopback_only_and_needs_post_to_clear(cache_cco: ThreadedServer) -> None:
    assert httpx.get(cache_cco.url + "/api/cache/clear").status_code == 405
    denied = httpx.get(cache_cco.url + "/api/cache/stats", headers={"host": "attacker.example"})
    assert denied.status_code == 403


def test_persistent_tier_survives_a_restart(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve_with(tmp_path, upstream, {"persist": True}) as server:
        post(server, BODY)
    with serve_with(tmp_path, upstream, {"persist": True}) as server:
        restarted = post(server, BODY)
        assert restarted.headers["x-cco-cache"] == "hit"
        assert httpx.post(server.url + "/api/cache/clear").json()["cleared"] == 1
    with serve_with(tmp_path, upstream, {"persist": True}) as server:
        assert post(server, BODY).headers["x-cco-cache"] == "miss"
    assert fake.count() == 2
    assert (tmp_path / "response-cache.sqlite").stat().st_mode & 0o077 == 0  # private: answers hold user content
