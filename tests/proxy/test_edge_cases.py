"""Edge cases found in review: every one of these was a real defect once."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import Reply, message, stream_events
from tests.fakes.serve import ThreadedServer, running

BODY: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
KEY = {"x-api-key": "sk-ant-client"}


@contextmanager
def serve(
    tmp_path: Path,
    upstream: ThreadedServer,
    routes: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    bind_host: str = "127.0.0.1",
) -> Iterator[ThreadedServer]:
    config = load_config(str(write_config(tmp_path / "c", upstream.url, settings=settings, routes=routes)))
    with running(create_app(config, tmp_path / "cco.db", bind_host)) as server:
        yield server


def rows(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM request ORDER BY id")]


def test_discarded_fallback_stream_releases_its_connection(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    overloaded = [("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})]
    routes = [
        {
            "pattern": "^claude-sonnet",
            "provider": "anthropic",
            "endpoint": upstream.url + "/v1",
            "fallbacks": ["claude-haiku-4-5"],
        },
        {"pattern": "^claude-", "provider": "anthropic", "endpoint": upstream.url + "/v1"},
    ]
    with serve(tmp_path, upstream, routes, {"cache": {"enabled": False}}) as server:
        for _ in range(3):
            fake.then(Reply(status=529, events=overloaded, hold_open=True))
            response = httpx.post(server.url + "/v1/messages", json=BODY, headers=KEY)
            assert response.headers["x-cco-served-model"] == "claude-haiku-4-5"
        deadline = time.monotonic() + 10
        while fake.disconnects < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert fake.disconnects == 3, "each abandoned 529 stream must be closed, not left checked out of the pool"


def test_clean_end_before_message_stop_gets_an_error_event(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.then(Reply(events=stream_events(message())[:4]))
    with serve(tmp_path, upstream) as server:
        response = httpx.post(server.url + "/v1/messages", json={**BODY, "stream": True}, headers=KEY)
        assert response.content.rstrip().endswith(b"}")
        events = [line for line in response.text.splitlines() if line.startswith("event: ")]
        assert events[-1] == "event: error"
        again = httpx.post(server.url + "/v1/messages", json={**BODY, "stream": True}, headers=KEY)
        assert again.headers["x-cco-cache"] == "miss"  # the truncated answer was not cached


def test_follower_of_a_cut_stream_gets_its_own_answer(tmp_path: Path, fake_upstream) -> None:
    """The leader's client leaves mid-stream: its answer will never be complete, so the follower (which was
    handed nothing yet) goes upstream itself instead of sharing a cut stream."""
    fake, upstream = fake_upstream
    fake.then(Reply(events=stream_events(message(text="x" * 60), fragments=6), delay_s=0.3))
    body = {**BODY, "stream": True}
    with serve(tmp_path, upstream) as server:
        follower: list[bytes] = []

        def follow() -> None:
            with httpx.stream("POST", server.url + "/v1/messages", json=body, headers=KEY, timeout=30) as response:
                follower.extend(response.iter_bytes())

        with httpx.stream("POST", server.url + "/v1/messages", json=body, headers=KEY, timeout=30) as leader:
            chunks = leader.iter_bytes()  # keep a reference: a collected iterator closes the connection
            next(chunks)
            thread = threading.Thread(target=follow)
            thread.start()
            time.sleep(1.0)
        thread.join(20)
    received = b"".join(follower)
    assert b"event: error" not in received and b"event: message_stop" in received
    assert fake.count() == 2


def test_client_leaving_before_the_answer_starts_cancels_the_upstream_call(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.then(Reply(body=message(), head_delay_s=3.0))
    with serve(tmp_path, upstream) as server:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(server.url + "/v1/messages", json=BODY, headers=KEY, timeout=0.5)
        deadline = time.monotonic() + 10
        while fake.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert fake.disconnects == 1
    (row,) = rows(tmp_path / "cco.db")
    assert (row["status"], row["error_type"], row["output_tokens"]) == (499, "client_disconnected", 0)


def test_ollama_route_never_receives_the_clients_anthropic_credentials(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    routes = [{"pattern": "ollama/*", "provider": "ollama", "endpoint": upstream.url + "/v1", "model": "\\1"}]
    with serve(tmp_path, upstream, routes) as server:
        for credential in ({"x-api-key": "sk-ant-secret"}, {"authorization": "Bearer oauth-secret"}):
            httpx.post(
                server.url + "/v1/messages",
                json={**BODY, "model": "ollama/qwen3"},
                headers={**credential, "x-cco-project": "p", "x-cco-cache": "bypass"},
            )
            sent = fake.last.headers
            assert "x-api-key" not in sent and "authorization" not in sent
            assert not any(name.startswith("x-cco-") for name in sent)


def test_path_is_forwarded_as_the_client_encoded_it(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        for path in ("/v1/models/a%2Fb", "/v1/files/x%3Fy=1", "/v1/files/%E2%82%AC"):
            assert httpx.get(server.url + path, headers=KEY).status_code == 200
            assert fake.last.path == httpx.URL(path).path  # the fake sees the same decoded path, and
            assert fake.last.raw_path == path.encode()  # the same bytes on the wire
        climbing = httpx.get(server.url + "/v1/files/..%2F..%2Fadmin", headers=KEY)
        assert climbing.status_code in (400, 404)
        assert b"admin" not in fake.last.raw_path


def test_repeated_beta_header_lines_all_count_for_the_cache(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        httpx.post(server.url + "/v1/messages", json=BODY, headers={**KEY, "anthropic-beta": "a"})
        headers = httpx.Headers([("x-api-key", KEY["x-api-key"]), ("anthropic-beta", "a"), ("anthropic-beta", "b")])
        again = httpx.post(server.url + "/v1/messages", json=BODY, headers=headers)
        assert again.headers["x-cco-cache"] == "miss"
    assert fake.count() == 2


def test_wildcard_bind_still_guards_requests_from_this_machine(tmp_path: Path, fake_upstream) -> None:
    with serve(tmp_path, fake_upstream[1], bind_host="0.0.0.0") as server:
        for path in ("/api/requests", "/api/cache/stats", "/v1/messages"):
            response = httpx.request(
                "POST" if path.startswith("/v1") else "GET",
                server.url + path,
                json=BODY,
                headers={**KEY, "host": "attacker.example"},
            )
            assert response.status_code == 403, path


def test_rejected_requests_are_recorded(tmp_path: Path, fake_upstream) -> None:
    with serve(tmp_path, fake_upstream[1], settings={"max_body_bytes": 1000}) as server:
        httpx.post(server.url + "/v1/messages", content=b"{broken", headers={**KEY, "content-type": "application/json"})
        httpx.post(server.url + "/v1/messages", json={**BODY, "pad": "x" * 2000}, headers=KEY)
        httpx.post(server.url + "/v1/messages", json=BODY, headers={**KEY, "origin": "https://evil.example"})
    statuses = sorted(row["status"] for row in rows(tmp_path / "cco.db"))
    assert statuses == [400, 403, 413]


def test_model_names_that_cannot_be_headers_are_refused(tmp_path: Path, fake_upstream) -> None:
    with serve(tmp_path, fake_upstream[1]) as server:
        for stream in (False, True):
            response = httpx.post(
                server.url + "/v1/messages",
                headers=KEY,
                json={**BODY, "model": "claude-x\r\nx-injected: 1", "stream": stream},
            )
            assert response.status_code == 400
            assert json.loads(response.content)["error"]["type"] == "invalid_request_error"
    assert fake_upstream[0].count() == 0


async def test_concurrent_clients_leaving_do_not_wedge_the_server(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    # The clients give up long after cco has forwarded (even on a loaded machine), long before the upstream answers.
    fake.responder = lambda received: Reply(events=stream_events(message()), head_delay_s=8.0)
    with serve(tmp_path, upstream, settings={"cache": {"enabled": False}}) as server:
        async with httpx.AsyncClient(timeout=2.5) as client:
            results = await asyncio.gather(
                *(
                    client.post(server.url + "/v1/messages", json={**BODY, "stream": True}, headers=KEY)
                    for _ in range(10)
                ),
                return_exceptions=True,
            )
        assert all(isinstance(result, httpx.TimeoutException) for result in results)
        fake.responder = fake.default_reply
        assert httpx.post(server.url + "/v1/messages", json=BODY, headers=KEY, timeout=10).status_code == 200
        deadline = time.monotonic() + 10
        while fake.disconnects < 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    assert fake.disconnects == 10  # every abandoned call was cancelled upstream too
