"""One asyncio Redis client for the process, and whether Redis is reachable.

A failed command marks the link down: one warning, then every user skips Redis at once (no request waits for a
timeout per outage) until a probe, once a second, gets an answer again. Commands never retry inside redis-py:
a request that cannot reach Redis in `timeout_s` goes on without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("cco.redis")
PROBE_SECONDS = 1.0
FAILURES = (RedisError, OSError, asyncio.TimeoutError)  # what a lost or slow Redis raises
Listener = Callable[[], Awaitable[None]]


def where(url: str) -> str:
    """host:port of a Redis URL, never its password."""
    parts = urlsplit(url)
    return parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"


class RedisLink:
    def __init__(self, url: str, *, timeout_s: float = 1.0, effects: str = "") -> None:
        self.url = url
        self.effects = effects  # what users do without Redis, said in the warning
        # a blocking pool: past max_connections a command waits (up to timeout_s) for a free connection
        # instead of failing with "Too many connections", which would read as Redis being down
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=64,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self.client: aioredis.Redis = aioredis.Redis.from_pool(pool)  # the client owns (and closes) the pool
        self.up = True
        self.outages = 0
        self._probe: asyncio.Task[None] | None = None
        self._on_up: list[Listener] = []

    def on_reconnect(self, listener: Listener) -> None:
        """Called (awaited) each time Redis answers again after an outage, and once at open if it answers."""
        self._on_up.append(listener)

    async def open(self) -> None:
        """Try Redis once; if it does not answer, cco starts anyway and the probe keeps trying."""
        try:
            await self.client.ping()
        except FAILURES as error:
            self.failed(error)
            return
        await self._reconnected()

    def failed(self, error: BaseException) -> None:
        if not self.up:
            return
        self.up = False
        self.outages += 1
        log.warning("Redis at %s is unreachable (%s): %s; retrying every second", where(self.url), error, self.effects)
        self._probe = asyncio.ensure_future(self._until_up())

    async def _until_up(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            try:
                await self.client.ping()
            except FAILURES:
                continue
            await self._reconnected()
            log.warning("Redis at %s answers again: sharing resumed", where(self.url))
            return

    async def _reconnected(self) -> None:
        try:
            for listener in self._on_up:
                await listener()
        except FAILURES as error:
            self.up = True  # so that failed() counts this as a fresh outage and probes again
            self.failed(error)
            return
        self.up = True

    async def ping(self) -> None:
        """For /health/ready: raises while the link is down (until the probe succeeds) or Redis does not answer."""
        if not self.up:
            raise ConnectionError(f"Redis at {where(self.url)} is unreachable; reconnecting")
        await self.client.ping()

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
        await self.client.aclose()
