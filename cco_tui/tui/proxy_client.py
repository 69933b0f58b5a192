"""The TUI's view of the serving process: /health and the cache endpoints over HTTP.

Going through HTTP (rather than touching the cache object) keeps viewer mode, where another cco serves the
port, working exactly like the normal mode.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(3.0, connect=1.0)


class ProxyUnreachable(Exception):
    """The serving process did not answer (or answered something unusable)."""

    def __init__(self, base_url: str, reason: str) -> None:
        super().__init__(f"cco server at {base_url} is unreachable: {reason}")
        self.base_url = base_url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Health:
    status: str
    version: str
    uptime_s: float


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    hit_rate: float
    evictions: int
    coalesced: int


class ProxyClient:
    """Small async client; one per app, closed when the app exits."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        timeout: httpx.Timeout = TIMEOUT,
        token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"x-api-key": token} if token else None
        self._client = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=transport, verify=verify, headers=headers
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def health(self) -> Health:
        data = await self._call("GET", "/health")
        return Health(str(data.get("status", "?")), str(data.get("version", "?")), float(data.get("uptime_s", 0)))

    async def cache_stats(self) -> CacheStats:
        data = await self._call("GET", "/api/cache/stats")
        return CacheStats(
            entries=int(data.get("entries", 0)),
            bytes=int(data.get("bytes", 0)),
            max_bytes=int(data.get("max_bytes", 0)),
            hits=int(data.get("hits", 0)),
            misses=int(data.get("misses", 0)),
            hit_rate=float(data.get("hit_rate", 0.0)),
            evictions=int(data.get("evictions", 0)),
            coalesced=int(data.get("coalesced", 0)),
        )

    async def cache_clear(self) -> int:
        data = await self._call("POST", "/api/cache/clear")
        return int(data.get("cleared", 0))

    async def limits(self) -> dict[str, Any]:
        """The rate limits and budgets with their counters (`rules` of /api/limits)."""
        data = await self._call("GET", "/api/limits")
        rules = data.get("rules")
        return rules if isinstance(rules, dict) else {}

    async def _call(self, method: str, path: str) -> dict[str, Any]:
        try:
            response = await self._client.request(method, path)
        except httpx.TimeoutException:
            raise ProxyUnreachable(self.base_url, "no answer in time") from None
        except httpx.HTTPError as exc:
            reason = "nothing listens there" if isinstance(exc, httpx.ConnectError) else type(exc).__name__
            raise ProxyUnreachable(self.base_url, reason) from None
        if response.status_code != 200:
            raise ProxyUnreachable(self.base_url, f"HTTP {response.status_code} from {path}")
        return _json_object(response, self.base_url)


def _json_object(response: httpx.Response, base_url: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ProxyUnreachable(base_url, "answer is not JSON") from None
    if not isinstance(data, dict):
        raise ProxyUnreachable(base_url, "answer is not a JSON object")
    return data
