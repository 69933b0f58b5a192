"""Upstream faults end in clean Anthropic errors (JSON or an SSE `error` event), a row each, and nothing broken is
ever cached: after each fault the same request goes upstream again."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.anthropic_upstream import Reply, error_reply, message, stream_events
from tests.reliability.conftest import BODY, KEY, rows, serve

GARBAGE = [("message_start", "not a message"), ("content_block_delta", {"index": 7}), ("message_stop", {})]


def faults() -> dict[str, Reply]:
    events = stream_events(message(text="a broken answer"))
    return {
        "reset_mid_stream": Reply(events=events[:4], cut=True),
        "garbage_sse": Reply(events=GARBAGE),
        "hang_past_timeout": Reply(body=message(), head_delay_s=3),
        "clean_end_without_stop": Reply(events=events[:5]),
        "garbage_json": Reply(body=b'{"type":"message","content":[{"ty'),  # a 200 cut short
    }


def cache_entries(url: str) -> int:
    return int(httpx.get(url + "/api/cache/stats", timeout=10).json()["entries"])


def ends_in_error(response: httpx.Response, stream: bool) -> bool:
    if stream and response.status_code == 200:
        return response.content.rstrip().split(b"\n\n")[-1].startswith(b"event: error")
    document = response.json()
    return response.status_code >= 500 and document["type"] == "error" and isinstance(document["error"], dict)


CASES = [(fault, True) for fault in faults()] + [("hang_past_timeout", False), ("garbage_json", False)]


@pytest.mark.parametrize(("fault", "stream"), CASES)
def test_fault_is_a_clean_error_and_nothing_is_cached(tmp_path: Path, fake_upstream, fault: str, stream: bool) -> None:
    fake, upstream = fake_upstream
    routes = [{"pattern": "^claude-", "provider": "anthropic", "endpoint": upstream.url + "/v1", "timeout_ms": 1000}]
    fake.then(faults()[fault])
    body = {**BODY, "stream": stream}
    with serve(tmp_path, upstream, routes=routes) as server:
        broken = httpx.post(server.url + "/v1/messages", json=body, headers=KEY, timeout=30)
        if fault != "garbage_json":  # a pass-through proxy relays a 200 body as it came; it just never caches it
            assert ends_in_error(broken, stream), (broken.status_code, broken.content[-300:])
        assert cache_entries(server.url) == 0
        good = httpx.post(server.url + "/v1/messages", json=body, headers=KEY, timeout=30)
        assert good.status_code == 200 and good.headers["x-cco-cache"] == "miss"
    assert fake.count() == 2
    recorded = rows(tmp_path / "cco.db")
    assert len(recorded) == 2 and recorded[0]["cache_status"] != "hit"


@contextmanager
def closing_server() -> Iterator[str]:
    """An upstream that accepts, reads the request and closes the connection before any response header."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()

    def run() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@pytest.mark.parametrize("stream", [True, False])
def test_close_before_headers_is_a_502(tmp_path: Path, fake_upstream, stream: bool) -> None:
    _, upstream = fake_upstream
    with closing_server() as url:
        routes = [{"pattern": "^claude-", "provider": "anthropic", "endpoint": url + "/v1"}]
        with serve(tmp_path, upstream, routes=routes) as server:
            response = httpx.post(server.url + "/v1/messages", json={**BODY, "stream": stream}, headers=KEY, timeout=30)
            assert response.status_code == 502 and response.json()["type"] == "error", response.text
            assert cache_entries(server.url) == 0
    assert [r["status"] for r in rows(tmp_path / "cco.db")] == [502]


async def storm(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=32)) as client:

        def body(number: int) -> dict[str, Any]:
            return {**BODY, "stream": number % 2 == 0, "max_tokens": 10 + number % 5}

        return await asyncio.gather(
            *(client.post(url + "/v1/messages", json=body(n), headers=KEY) for n in range(count))
        )


def test_529_storm_is_relayed_and_never_cached(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.responder = lambda _: error_reply(529, "overloaded_error", "Overloaded")
    with serve(tmp_path, upstream) as server:
        responses = asyncio.run(storm(server.url, 60))
        assert {r.status_code for r in responses} == {529}
        assert all(r.json()["error"]["type"] == "overloaded_error" for r in responses)
        assert cache_entries(server.url) == 0
        fake.responder = fake.default_reply
        after = asyncio.run(storm(server.url, 10))
        assert {r.status_code for r in after} == {200}
        assert all(r.headers["x-cco-cache"] in ("miss", "hit") for r in after)
    recorded = rows(tmp_path / "cco.db")
    assert len(recorded) == 70
    assert sum(1 for r in recorded if r["status"] == 529 and r["cache_status"] != "hit") == 60
