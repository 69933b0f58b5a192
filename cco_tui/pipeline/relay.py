"""Relaying an upstream answer while watching it: usage for the record, the body for the cache.

Each chunk is passed on first and looked at afterwards (the code after `yield` runs once the chunk has been
handed to the server), so watching never delays the client. The copy for the cache is bounded by the cache's
per-entry limit: an answer that outgrows it is dropped from memory at once (it could not be stored anyway),
so a 200 MB stream costs cco its chunks in flight, not 200 MB.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from cco_tui.wire.errors import ProxyError
from cco_tui.wire.events import MessageAccumulator
from cco_tui.wire.types import close_quietly


@dataclass(slots=True)
class Observed:
    """What the relay saw of one answer."""

    usage: dict[str, Any] = field(default_factory=dict)
    complete: bool = False  # a whole, successful answer: a 2xx JSON body, or a stream that reached message_stop
    is_stream: bool = False  # the body is SSE (else JSON)
    error_type: str | None = None
    body: bytes | None = None  # kept only when the cache wants it and it fits an entry
    response_bytes: int = 0
    first_byte_at: float | None = None
    finished_at: float = 0.0
    interrupted_status: int | None = None  # cco ended the answer itself (shutting down): the status to record


def observe_json(status: int, body: bytes, capture_limit: int) -> Observed:
    """What a whole JSON answer says; `capture_limit` bytes at most are kept for the cache (0: none)."""
    if len(body) > max(capture_limit, SMALL_ANSWER):
        return observe_large_json(status, body)
    document = parse_object(body)
    usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
    error = document.get("error") if document.get("type") == "error" else None
    observed = Observed(
        usage=usage or {},
        body=body if 0 < len(body) <= capture_limit else None,
        response_bytes=len(body),
        finished_at=time.perf_counter(),
    )
    observed.complete = 200 <= status < 300 and document.get("type") == "message"
    observed.error_type = error.get("type") if isinstance(error, dict) else None
    return observed


SMALL_ANSWER = 1024 * 1024  # answers up to this size are parsed whole even when they will not be cached
USAGE_TAIL = 4096


def observe_large_json(status: int, body: bytes) -> Observed:
    """An answer too big to cache: only its usage, read from the tail where Anthropic puts it. Parsing the whole
    document would cost several times its size in Python objects, for nothing."""
    start = body.rfind(b'"usage"', max(len(body) - USAGE_TAIL, 0))
    usage: dict[str, Any] = {}
    if start >= 0:
        opening = body.find(b"{", start)
        closing = body.find(b"}", opening)
        found = parse_object(body[opening : closing + 1]) if 0 <= opening < closing else {}
        usage = {name: value for name, value in found.items() if isinstance(value, int)}
    return Observed(usage=usage, response_bytes=len(body), finished_at=time.perf_counter())


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return document if isinstance(document, dict) else {}


class StreamWatcher:
    """Feeds relayed SSE bytes to an accumulator and, up to `capture_limit` bytes, to the cache's copy."""

    def __init__(self, *, capture_limit: int) -> None:
        self.accumulator = MessageAccumulator()
        self.parts: list[bytes] | None = [] if capture_limit > 0 else None
        self.capture_limit = capture_limit
        if self.parts is None:
            self.accumulator.forget_content()
        self.observed = Observed(is_stream=True)

    def see(self, chunk: bytes) -> None:
        observed = self.observed
        if observed.first_byte_at is None:
            observed.first_byte_at = time.perf_counter()
        observed.response_bytes += len(chunk)
        self.accumulator.feed_bytes(chunk)
        if self.parts is not None:
            if observed.response_bytes > self.capture_limit:
                self.parts = None  # too big for a cache entry: stop holding it
                self.accumulator.forget_content()
            else:
                self.parts.append(chunk)

    def close(self, status: int) -> Observed:
        self.accumulator.close()
        observed = self.observed
        observed.finished_at = time.perf_counter()
        observed.usage = dict(self.accumulator.usage)
        observed.complete = 200 <= status < 300 and self.accumulator.completed
        error = self.accumulator.error
        observed.error_type = str(error.get("type")) if error else observed.error_type
        observed.body = b"".join(self.parts) if self.parts is not None else None
        return observed


CLIENT_LEFT = "client_disconnected"


class WatchedStream:
    """Relays `chunks` while a StreamWatcher looks at each one after it went out.

    A class, not a generator, so that `aclose()` releases the upstream and reports the end exactly once even when
    nobody ever iterated it (the client left before the response started). A 2xx stream that ends without
    `message_stop` or an `error` event gets one appended: a silent truncation would leave Claude Code waiting
    for a stop_reason that never comes.
    """

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        watcher: StreamWatcher,
        status: int,
        on_end: Callable[[Observed], None],
        release: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._chunks = chunks
        self._watcher = watcher
        self._status = status
        self._on_end = on_end
        self._release = release
        self._unseen: bytes | None = None
        self._ended = False
        self._closed = False

    def __aiter__(self) -> WatchedStream:
        return self

    async def __anext__(self) -> bytes:
        self._see_sent()
        if self._ended:
            await self.aclose()
            raise StopAsyncIteration
        try:
            self._unseen = await self._chunks.__anext__()
        except StopAsyncIteration:
            self._ended = True
            return await self._truncation_notice()
        except BaseException:
            await self.aclose()
            raise
        return self._unseen

    def _see_sent(self) -> None:
        if self._unseen is not None:
            self._watcher.see(self._unseen)  # it was handed to the server before we were asked for the next one
            self._unseen = None

    async def _truncation_notice(self) -> bytes:
        accumulator = self._watcher.accumulator
        if not 200 <= self._status < 300 or accumulator.completed or accumulator.error is not None:
            await self.aclose()
            raise StopAsyncIteration
        self._unseen = ProxyError(502, "upstream ended the stream before message_stop", "api_error").event()
        return self._unseen

    def interrupted(self, status: int, error_type: str) -> None:
        """cco is stopping and ends this stream early: its row must say so, not the upstream's 200."""
        self._watcher.observed.error_type = error_type
        self._watcher.observed.interrupted_status = status

    def client_left(self) -> None:
        """The client went away mid-answer: record it as such, not as a success."""
        self._watcher.observed.error_type = CLIENT_LEFT

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await close_quietly(self._chunks)
        if self._release is not None:
            await self._release()
        self._on_end(self._watcher.close(self._status))
