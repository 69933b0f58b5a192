"""A cached answer, and its replay as JSON or as an SSE stream (one entry serves both kinds of request)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from cco_tui.wire import content
from cco_tui.wire.events import message_to_sse, sse_to_message

# What an entry costs beyond its body (the dataclass, the cache's slot, key tuple and strings, ordered-dict
# links, allocator slack), fitted to RSS growth in bench/cache_memory.py; plus its usage dict, per field.
ENTRY_OVERHEAD = 800
_USAGE_FIELD_OVERHEAD = 48


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One complete, successful upstream answer, as relayed: raw SSE bytes or raw JSON bytes."""

    body: bytes
    is_stream: bool
    usage: Mapping[str, Any]  # the original usage, so a hit can be priced as the saving
    model: str  # the model that served it
    created_at: float  # wall-clock seconds, for display and the Age header
    status: int = 200
    content_type: str = content.JSON

    @classmethod
    def create(cls, body: bytes, *, is_stream: bool, usage: Mapping[str, Any], model: str) -> CacheEntry:
        content_type = content.SSE if is_stream else content.JSON
        return cls(body, is_stream, dict(usage), model, time.time(), 200, content_type)

    @property
    def size(self) -> int:
        """Bytes this entry costs in memory: the body plus a measured per-entry overhead."""
        return len(self.body) + ENTRY_OVERHEAD + len(self.model) + _USAGE_FIELD_OVERHEAD * len(self.usage)


def body_as_json(body: bytes, is_stream: bool) -> bytes:
    """A complete answer (SSE or JSON bytes) as the JSON a non-streaming request receives."""
    return orjson.dumps(sse_to_message(body)) if is_stream else body


def body_as_sse(body: bytes, is_stream: bool) -> bytes:
    """A complete answer (SSE or JSON bytes) as the SSE stream a streaming request receives."""
    return body if is_stream else message_to_sse(orjson.loads(body))


def entry_as_json(entry: CacheEntry) -> bytes:
    return body_as_json(entry.body, entry.is_stream)


def entry_as_sse(entry: CacheEntry) -> bytes:
    return body_as_sse(entry.body, entry.is_stream)


def replay(entry: CacheEntry, *, stream: bool) -> tuple[bytes, str]:
    """The body and content type that answer a request from this entry."""
    if stream:
        return entry_as_sse(entry), content.SSE
    return entry_as_json(entry), content.JSON
