"""HTTP out: one pooled connection pool for every upstream, and transport failures as Anthropic-shaped errors.

This drives httpcore, httpx's own connection engine, directly. httpx's client layer on top of it (request and
response models, auth, redirect and cookie plumbing, content decoding) cost about 0.2 ms a request here, a
fifth of cco's latency budget, and a relay needs none of it. What httpx would have given us that a proxy does
need is kept: keep-alive pooling, per-request timeouts, HTTP(S)_PROXY / NO_PROXY from the environment, and
certificate verification (certifi, or SSL_CERT_FILE).
"""

from __future__ import annotations

import os
import ssl
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass

import certifi
import httpcore

from cco_tui.config.network import is_loopback_address
from cco_tui.wire import content
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import RawHeaders, header_value

BROKEN = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpcore.ProxyError)
POOL_OPTIONS = {"max_connections": 200, "max_keepalive_connections": 50, "keepalive_expiry": 60.0}


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float
    read_s: float

    def extension(self) -> dict[str, float]:
        return {"connect": self.connect_s, "read": self.read_s, "write": self.read_s, "pool": self.read_s}


class UpstreamResponse:
    """The upstream's status and headers, with its body still to be read or streamed."""

    def __init__(self, response: httpcore.Response) -> None:
        self.status = response.status
        self.headers: RawHeaders = list(response.headers)
        self._response = response
        self._closed = False

    @property
    def is_event_stream(self) -> bool:
        return content.is_event_stream(header_value(self.headers, b"content-type"))

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; transport failures surface as ProxyError (504 or 502)."""
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except httpcore.TimeoutException:
            raise ProxyError(504, "upstream stopped sending before the answer ended", "timeout_error") from None
        except BROKEN as exc:
            raise ProxyError(502, f"upstream connection broke: {type(exc).__name__}") from None

    async def read(self) -> bytes:
        try:
            return b"".join([chunk async for chunk in self.chunks()])
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Idempotent: the relay's own cleanup and the server's both call it."""
        if not self._closed:
            self._closed = True
            await self._response.aclose()


class Upstream:
    """The shared pools: direct, and one per proxy named in the environment."""

    def __init__(self) -> None:
        self._ssl = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or certifi.where())
        self._direct = httpcore.AsyncConnectionPool(ssl_context=self._ssl, **POOL_OPTIONS)  # type: ignore[arg-type]
        self._proxies = urllib.request.getproxies_environment()
        self._proxied: dict[str, httpcore.AsyncHTTPProxy] = {}
        self._routes: dict[tuple[bytes, bytes], httpcore.AsyncConnectionPool] = {}

    async def open(
        self, method: str, url: str, headers: RawHeaders, content: bytes | None, timeouts: Timeouts
    ) -> UpstreamResponse:
        parsed = httpcore.URL(url)
        request = httpcore.Request(
            method,
            parsed,
            headers=with_framing(headers, parsed, content),
            content=content,
            extensions={"timeout": timeouts.extension()},
        )
        try:
            return UpstreamResponse(await self.pool_for(parsed).handle_async_request(request))
        except httpcore.TimeoutException:
            raise ProxyError(504, f"upstream {parsed.host.decode()} timed out", "timeout_error") from None
        except BROKEN as exc:
            raise ProxyError(502, f"upstream {parsed.host.decode()} unreachable: {type(exc).__name__}") from None

    def pool_for(self, url: httpcore.URL) -> httpcore.AsyncConnectionPool:
        """Decided once per scheme and host: the proxy check reads the whole environment each time."""
        route = (url.scheme, url.host)
        if route not in self._routes:
            self._routes[route] = self._choose_pool(url.scheme.decode(), url.host.decode())
        return self._routes[route]

    def _choose_pool(self, scheme: str, host: str) -> httpcore.AsyncConnectionPool:
        proxy = self._proxies.get(scheme)
        if not proxy or is_loopback_address(host) or urllib.request.proxy_bypass(host):
            return self._direct  # a local model server is never reached through a proxy
        if proxy not in self._proxied:
            self._proxied[proxy] = httpcore.AsyncHTTPProxy(proxy_url=proxy, ssl_context=self._ssl, **POOL_OPTIONS)  # type: ignore[arg-type]
        return self._proxied[proxy]

    async def aclose(self) -> None:
        for pool in (self._direct, *self._proxied.values()):
            await pool.aclose()


def with_framing(headers: RawHeaders, url: httpcore.URL, content: bytes | None) -> RawHeaders:
    """Host, an explicit identity encoding (cco must read what it relays) and the body's length."""
    host = url.host if url.port is None else b"%b:%d" % (url.host, url.port)
    framing = [(b"host", host), *headers, (b"accept-encoding", b"identity")]
    if content is not None:
        framing.append((b"content-length", b"%d" % len(content)))
    return framing
