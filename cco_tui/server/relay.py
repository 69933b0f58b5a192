"""Relaying an upstream answer while watching it: usage for the record, the body for the cache and followers.

Each chunk is passed on first and looked at afterwards (the code after `yield` runs once the chunk has been
handed to the server), so watching never delays the client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from cco_tui.anthropic_events import MessageAccumulator
from cco_tui.cache.coalesce import Flight


@dataclass(slots=True)
class Observed:
    """What the relay saw of one answer."""

    usage: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    complete: bool = False  # a whole, successful answer: a 2xx JSON body, or a stream that reached message_stop
    is_stream: bool = False  # the body is SSE (else JSON)
    error_type: str | None = None
    body: bytes | None = None  # kept only when the cache wants it
    response_bytes: int = 0
    first_byte_at: float | None = None
    finished_at: float = 0.0


def observe_json(status: int, body: bytes, keep: bool) -> Observed:
    document = parse_object(body)
    usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
    error = document.get("error") if document.get("type") == "error" else None
    observed = Observed(
        usage=usage or {},
        model=document.get("model"),
        body=body if keep else None,
        response_bytes=len(body),
        finished_at=time.perf_counter(),
    )
    observed.complete = 200 <= status < 300 and document.get("type") == "message"
    observed.error_type = error.get("type") if isinstance(error, dict) else None
    return observed


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return document if isinstance(document, dict) else {}


class StreamWatcher:
    """Feeds relayed SSE bytes to an accumulator, the cache buffer and any coalesced followers."""

    def __init__(self, keep: bool, flight: Flight | None) -> None:
        self.accumulator = MessageAccumulator()
        self.parts: list[bytes] | None = [] if keep else None
        self.flight = flight
        self.observed = Observed(is_stream=True)

    def see(self, chunk: bytes) -> None:
        observed = self.observed
        if observed.first_byte_at is None:
            observed.first_byte_at = time.perf_counter()
        observed.response_bytes += len(chunk)
        self.accumulator.feed_bytes(chunk)
        if self.parts is not None:
            self.parts.append(chunk)
        if self.flight is not None:
            self.flight.publish(chunk)

    def close(self, status: int) -> Observed:
        self.accumulator.close()
        observed = self.observed
        observed.finished_at = time.perf_counter()
        observed.usage = dict(self.accumulator.usage)
        observed.model = self.accumulator.model
        observed.complete = 200 <= status < 300 and self.accumulator.completed
        error = self.accumulator.error
        observed.error_type = str(error.get("type")) if error else None
        observed.body = b"".join(self.parts) if self.parts is not None else None
        return observed


async def watched_stream(
    chunks: AsyncIterator[bytes], watcher: StreamWatcher, status: int, on_end: Callable[[Observed], None]
) -> AsyncIterator[bytes]:
    """Relay `chunks`; when the stream ends for any reason (done, upstream error, client gone) call on_end once."""
    try:
        async for chunk in chunks:
            yield chunk
            watcher.see(chunk)
    finally:
        await close_quietly(chunks)
        on_end(watcher.close(status))


async def close_quietly(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
