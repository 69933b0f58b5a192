"""The upstream pool on real loopback HTTP: reuse, replacement of dead connections, the bound, waiting, and the
choice of route out (environment proxies, except for loopback and NO_PROXY hosts)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import httpcore
import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.providers.http import Timeouts, Upstream
from cco_tui.providers.pool import Limits
from cco_tui.server.app import create_app
from cco_tui.wire.errors import ProxyError
from tests.conftest import write_config
from tests.fakes.raw_upstream import RawUpstream, ThreadedRawUpstream
from tests.fakes.serve import ThreadedServer, running

BODY = b'{"model":"claude-sonnet-4-6","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
HEADERS = [(b"content-type", b"application/json"), (b"x-api-key", b"k")]
QUICK = Timeouts(connect_s=5, read_s=5)


@pytest.fixture
def raw() -> Iterator[ThreadedRawUpstream]:
    with ThreadedRawUpstream(RawUpstream()) as server:
        yield server


def messages_url(base: str) -> httpcore.URL:
    return httpcore.URL(base + "/v1/messages")


async def post(upstream: Upstream, url: str, timeouts: Timeouts = QUICK) -> bytes:
    response = await upstream.open("POST", url + "/v1/messages", HEADERS, BODY, timeouts)
    assert response.status == 200
    return await response.read()


async def test_sequential_requests_share_one_connection(raw: ThreadedRawUpstream) -> None:
    upstream = Upstream()
    for _ in range(20):
        assert b'"type": "message"' in await post(upstream, raw.url)
    assert raw.upstream.accepted == 1
    await upstream.aclose()


async def test_a_connection_the_server_closed_is_replaced(raw: ThreadedRawUpstream) -> None:
    raw.upstream.idle_timeout_s = 0.05  # the server's keep-alive is shorter than cco's
    upstream = Upstream()
    for _ in range(5):
        await post(upstream, raw.url)
        assert upstream.pool_for(messages_url(raw.url)).idle_connections == 1
        await asyncio.sleep(0.3)  # the server closes the connection while it sits idle in the pool
    assert raw.upstream.accepted == 5
    await upstream.aclose()


async def test_connections_past_their_keepalive_expiry_are_closed_not_reused(raw: ThreadedRawUpstream) -> None:
    raw.upstream.delay_s = 0.05
    upstream = Upstream(Limits(keepalive_expiry_s=0.2))
    await asyncio.gather(post(upstream, raw.url), post(upstream, raw.url))
    pool = upstream.pool_for(messages_url(raw.url))
    assert (pool.idle_connections, raw.upstream.accepted) == (2, 2)
    await asyncio.sleep(0.4)
    await post(upstream, raw.url)
    assert (pool.open_connections, raw.upstream.accepted) == (1, 3)
    await asyncio.sleep(0.3)
    assert raw.upstream.open_now == 1  # the two expired ones were closed, not just forgotten
    await upstream.aclose()


async def test_a_failed_connect_frees_its_slot() -> None:
    upstream = Upstream(Limits(max_connections=1))
    for _ in range(3):  # with a leaked slot the second attempt would wait for the pool, then time out (504)
        with pytest.raises(ProxyError) as caught:
            await post(upstream, "http://127.0.0.1:9", Timeouts(connect_s=2, read_s=1))
        assert caught.value.status == 502
    assert upstream.pool_for(messages_url("http://127.0.0.1:9")).open_connections == 0
    await upstream.aclose()


async def test_the_pool_is_bounded_and_waiters_are_served(raw: ThreadedRawUpstream) -> None:
    raw.upstream.delay_s = 0.1
    upstream = Upstream(Limits(max_connections=4))
    answers = await asyncio.gather(*(post(upstream, raw.url) for _ in range(24)))
    assert len(answers) == 24
    assert raw.upstream.peak_open == 4
    assert raw.upstream.accepted == 4  # every waiter was handed a connection someone else gave back
    await upstream.aclose()


async def test_waiting_longer_than_the_route_timeout_is_a_504(raw: ThreadedRawUpstream) -> None:
    raw.upstream.delay_s = 1.0
    upstream = Upstream(Limits(max_connections=1))
    slow = asyncio.ensure_future(post(upstream, raw.url))
    await asyncio.sleep(0.2)
    with pytest.raises(ProxyError) as caught:
        await post(upstream, raw.url, Timeouts(connect_s=0.2, read_s=0.2))
    assert caught.value.status == 504
    await slow  # the holder finishes normally and its connection stays usable
    await post(upstream, raw.url)
    assert raw.upstream.accepted == 1
    await upstream.aclose()


async def test_a_response_closed_unread_gives_its_slot_back(raw: ThreadedRawUpstream) -> None:
    upstream = Upstream(Limits(max_connections=1))
    for _ in range(3):  # with one slot, a leaked connection would make the next open wait and time out
        response = await upstream.open("POST", raw.url + "/v1/messages", HEADERS, BODY, Timeouts(2, 1))
        await response.aclose()
    await post(upstream, raw.url)
    await upstream.aclose()


async def test_a_cancelled_waiter_does_not_leak_a_slot(raw: ThreadedRawUpstream) -> None:
    raw.upstream.delay_s = 0.3
    upstream = Upstream(Limits(max_connections=1))
    holder = asyncio.ensure_future(post(upstream, raw.url))
    await asyncio.sleep(0.1)
    waiter = asyncio.ensure_future(post(upstream, raw.url))
    await asyncio.sleep(0.05)
    waiter.cancel()
    await holder
    await asyncio.wait_for(post(upstream, raw.url), 3)
    assert upstream.pool_for(messages_url(raw.url)).open_connections == 1
    await upstream.aclose()


@pytest.fixture
def cco_on_raw(tmp_path: Path, raw: ThreadedRawUpstream) -> Iterator[ThreadedServer]:
    config = write_config(tmp_path / "config", raw.url)
    with running(create_app(load_config(str(config)), tmp_path / "cco.db")) as server:
        yield server


async def test_many_concurrent_requests_through_cco_complete_on_reused_connections(
    cco_on_raw: ThreadedServer, raw: ThreadedRawUpstream
) -> None:
    limits = httpx.Limits(max_connections=64)
    headers = {"x-api-key": "k", "x-cco-cache": "bypass", "content-type": "application/json"}
    async with httpx.AsyncClient(base_url=cco_on_raw.url, headers=headers, limits=limits, timeout=30) as client:
        replies = await asyncio.gather(*(client.post("/v1/messages", content=BODY) for _ in range(300)))
    assert [reply.status_code for reply in replies] == [200] * 300
    assert raw.upstream.requests == 300
    assert raw.upstream.accepted <= 64  # never more connections than requests in flight at once


# --- the route out ---------------------------------------------------------------------------------------------


@pytest.fixture
def proxied_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")


def test_remote_hosts_use_the_environment_proxy(proxied_env: None) -> None:
    assert Upstream().proxy_for("https", "api.anthropic.com") == "http://proxy.corp.example:3128"


@pytest.mark.parametrize(
    ("scheme", "host"), [("http", "127.0.0.1"), ("http", "localhost"), ("https", "internal.example")]
)
def test_loopback_and_no_proxy_hosts_go_direct(proxied_env: None, scheme: str, host: str) -> None:
    assert Upstream().proxy_for(scheme, host) is None


async def test_http_proxy_from_the_environment_carries_the_request(
    raw: ThreadedRawUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw.upstream.record = True  # the raw fake stands in for the proxy: it answers whatever it is asked
    monkeypatch.setenv("HTTP_PROXY", raw.url.replace("http://", "http://alice:s%40cret@"))
    upstream = Upstream()
    await post(upstream, "http://api.example.test")
    head = raw.upstream.heads[-1]
    assert head.startswith(b"POST http://api.example.test/v1/messages HTTP/1.1")
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"alice:s@cret") in head
    await upstream.aclose()


async def test_https_through_the_proxy_asks_for_a_tunnel(
    raw: ThreadedRawUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw.upstream.record = True
    monkeypatch.setenv("HTTPS_PROXY", raw.url)
    upstream = Upstream()
    with pytest.raises(ProxyError) as caught:  # the fake is no real proxy: the TLS handshake gets no answer
        await post(upstream, "https://api.example.test", Timeouts(connect_s=0.5, read_s=0.5))
    assert caught.value.status == 504
    assert raw.upstream.heads[-1].startswith(b"CONNECT api.example.test:443 HTTP/1.1")
    await upstream.aclose()


async def test_loopback_goes_direct_even_with_a_proxy_set(
    raw: ThreadedRawUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    upstream = Upstream()
    await post(upstream, raw.url)
    await upstream.aclose()
