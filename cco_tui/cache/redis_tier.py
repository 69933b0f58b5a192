"""The cache's second tier: complete answers in a Redis that several cco replicas share.

Same (scope, key) as the in-process cache, so credential scoping holds across replicas (the scope secret is
shared through Redis too, see `shared_scope_secret`). Entries are zlib-compressed with their metadata, kept for
the cache's TTL (what is left of it), and skipped above `max_entry_bytes` compressed. Every call goes through
the link: while Redis is down, lookups are misses and writes are dropped, without waiting.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from typing import Any

import orjson
from redis.exceptions import ResponseError

from cco_tui.cache.entry import CacheEntry
from cco_tui.redislink.link import FAILURES, RedisLink

PREFIX = "cco:cache:"
SECRET_KEY = "cco:scope-secret"
_INLINE_BYTES = 16 * 1024  # (de)compressing more than this goes to a thread: never a long stall on the loop
_LEVEL = 6


def encode(entry: CacheEntry) -> bytes:
    meta = [entry.is_stream, dict(entry.usage), entry.model, entry.created_at, entry.status, entry.content_type]
    head = orjson.dumps(meta)
    return zlib.compress(len(head).to_bytes(4, "big") + head + entry.body, _LEVEL)


def decode(blob: bytes) -> CacheEntry:
    raw = zlib.decompress(blob)
    size = int.from_bytes(raw[:4], "big")
    is_stream, usage, model, created_at, status, content_type = orjson.loads(raw[4 : 4 + size])
    return CacheEntry(raw[4 + size :], bool(is_stream), usage, model, float(created_at), int(status), content_type)


class RedisTier:
    def __init__(self, link: RedisLink, ttl_seconds: float, max_entry_bytes: int) -> None:
        self.link = link
        self.ttl_seconds = ttl_seconds
        self.max_entry_bytes = max_entry_bytes
        self.hits = self.misses = self.writes = self.too_big = self.skipped = self.refused = 0

    @staticmethod
    def name(scope: str, key: str) -> str:
        return f"{PREFIX}{scope}:{key}"

    async def get(self, scope: str, key: str) -> CacheEntry | None:
        if not self.link.up:
            self.skipped += 1
            return None
        try:
            blob: bytes | None = await self.link.client.get(self.name(scope, key))  # type: ignore[assignment]
        except FAILURES as error:
            self.link.failed(error)
            return None
        if blob is None:
            self.misses += 1
            return None
        self.hits += 1
        return decode(blob) if len(blob) <= _INLINE_BYTES else await asyncio.to_thread(decode, blob)

    async def put(self, scope: str, key: str, entry: CacheEntry) -> None:
        """Store what the in-process cache just took (called in the background: nobody waits for it)."""
        left_ms = int((self.ttl_seconds - (time.time() - entry.created_at)) * 1000)
        if not self.link.up or left_ms <= 0:
            return
        blob = encode(entry) if len(entry.body) <= _INLINE_BYTES else await asyncio.to_thread(encode, entry)
        if len(blob) > self.max_entry_bytes:
            self.too_big += 1
            return
        try:
            await self.link.client.set(self.name(scope, key), blob, px=left_ms)
        except ResponseError:  # e.g. OOM under maxmemory-policy noeviction: this entry is not shared, Redis is up
            self.refused += 1
            return
        except FAILURES as error:
            self.link.failed(error)
            return
        self.writes += 1

    async def clear(self) -> int:
        """Drop every shared entry (`/api/cache/clear`): all replicas lose them."""
        if not self.link.up:
            return 0
        removed = 0
        try:
            batch: list[bytes] = []
            async for name in self.link.client.scan_iter(match=PREFIX + "*", count=500):
                batch.append(name)
                if len(batch) >= 500:
                    removed += await self.link.client.unlink(*batch)
                    batch.clear()
            if batch:
                removed += await self.link.client.unlink(*batch)
        except FAILURES as error:
            self.link.failed(error)
        return removed

    def stats(self) -> dict[str, Any]:
        return {
            "up": self.link.up,
            "hits": self.hits,
            "misses": self.misses,
            "writes": self.writes,
            "too_big": self.too_big,
            "refused_by_redis": self.refused,
            "skipped_while_down": self.skipped,
            "outages": self.link.outages,
        }


async def shared_scope_secret(link: RedisLink, mine: bytes) -> bytes:
    """The first replica's secret wins, so every replica computes the same credential scopes. Raises FAILURES."""
    await link.client.set(SECRET_KEY, mine, nx=True)
    found: bytes | None = await link.client.get(SECRET_KEY)  # type: ignore[assignment]
    return found or mine
