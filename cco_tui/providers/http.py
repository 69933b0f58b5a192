"""HTTP out: pooled connections to every upstream, and transport failures as Anthropic-shaped errors.

This drives httpcore's connections, httpx's own engine, directly, with cco's own pool (pool.py) in place of
httpcore's, whose cost per request grew with the requests in flight. httpx's client layer on top of it (request and
response models, auth, redirect and cookie plumbing, content decoding) cost about 0.2 ms a request here, a
fifth of cco's latency budget, and a relay needs none of it. What httpx would have given us that a proxy does
need is kept: keep-alive pooling, per-request timeouts, HTTP(S)_PROXY / NO_PROXY from the environment, and
certificate verification (certifi, or SSL_CERT_FILE).
"""

from __future__ import annotations

import os
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import unquote

import certifi
import httpcore

from cco_tui.config.network import is_loopback_address
from cco_tui.providers.pool import ConnectionFactory, Limits, OriginPool
from cco_tui.wire import content
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import RawHeaders, header_value

BROKEN = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpcore.ProxyError)
LIMITS = Limits(max_connections=200, max_idle=50, keepalive_expiry_s=60.0)  # each per origin


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
    """One pool per upstream origin; each origin's connections go direct or through the environment's proxy."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self._limits = limits
        self._ssl = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or certifi.where())
        self._proxies = urllib.request.getproxies_environment()
        self._factories: dict[str | None, ConnectionFactory] = {}  # by proxy URL; None is direct
        self._pools: dict[tuple[bytes, bytes, int | None], OriginPool] = {}

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
            return UpstreamResponse(await self.pool_for(parsed).send(request))
        except httpcore.TimeoutException:
            raise ProxyError(504, f"upstream {parsed.host.decode()} timed out", "timeout_error") from None
        except BROKEN as exc:
            raise ProxyError(502, f"upstream {parsed.host.decode()} unreachable: {type(exc).__name__}") from None

    def pool_for(self, url: httpcore.URL) -> OriginPool:
        """Decided once per origin: the proxy check reads the whole environment each time."""
        key = (url.scheme, url.host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            factory = self._factory(self.proxy_for(url.scheme.decode(), url.host.decode()))
            pool = self._pools[key] = OriginPool(url.origin, factory, self._limits)
        return pool

    def proxy_for(self, scheme: str, host: str) -> str | None:
        proxy = self._proxies.get(scheme)
        if not proxy or is_loopback_address(host) or urllib.request.proxy_bypass(host):
            return None  # a local model server is never reached through a proxy
        return proxy

    def _factory(self, proxy: str | None) -> ConnectionFactory:
        """httpcore's own pools used only to make connections, with one shared network backend each: direct, or
        through the proxy (forwarding for http, CONNECT tunnels for https). Requests never go through them."""
        if proxy not in self._factories:
            self._factories[proxy] = self._proxy_factory(proxy) if proxy else self._direct_factory()
        return self._factories[proxy]

    def _direct_factory(self) -> ConnectionFactory:
        expiry = self._limits.keepalive_expiry_s
        return httpcore.AsyncConnectionPool(ssl_context=self._ssl, keepalive_expiry=expiry).create_connection

    def _proxy_factory(self, proxy: str) -> ConnectionFactory:
        """Credentials in the proxy URL become its Proxy-Authorization header."""
        parts = urllib.parse.urlsplit(proxy)
        auth = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        expiry = self._limits.keepalive_expiry_s
        maker = httpcore.AsyncHTTPProxy(proxy_url=bare, proxy_auth=auth, ssl_context=self._ssl, keepalive_expiry=expiry)
        return maker.create_connection

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()


def with_framing(headers: RawHeaders, url: httpcore.URL, content: bytes | None) -> RawHeaders:
    """Host, an explicit identity encoding (cco must read what it relays) and the body's length."""
    host = url.host if url.port is None else b"%b:%d" % (url.host, url.port)
    framing = [(b"host", host), *headers, (b"accept-encoding", b"identity")]
    if content is not None:
        framing.append((b"content-length", b"%d" % len(content)))
    return framing
