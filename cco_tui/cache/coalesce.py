"""Request coalescing: identical requests wait for the one already in flight instead of going upstream.

The first request for a (scope, key) becomes the *leader* of a `Flight`: it goes upstream and publishes
what it relays (the response head, then each body chunk), then finishes the flight as a success or a
failure. Identical requests arriving meanwhile *follow* it: each gets every chunk from the beginning, then
new ones as they arrive, so streaming followers see the same events as the leader's client.

A failed flight is never passed off as an answer: a follower that has not committed yet (its `head()`
has not returned, it has taken no chunk) gets `FlightFailed` and goes upstream itself; a committed one
ends where the leader's stream ended. `read_all()` raises FlightFailed for any failed flight.
Chunks are kept only while the flight is open (a new follower needs them from the start) and, per
follower, until that follower has taken them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from cco_tui.cache.entry import CacheEntry

FlightKey = tuple[str, str]  # (scope, cache key)
DEFAULT_MAX_BUFFER_BYTES = 32 * 1024 * 1024


class FlightFailed(Exception):
    """The followed request failed before this follower received anything: go upstream yourself."""


@dataclass(frozen=True, slots=True)
class ResponseHead:
    """What followers answer with: the leader's status and relayed headers, and the body's framing."""

    status: int
    headers: Sequence[tuple[bytes, bytes]]
    is_stream: bool


class InFlight:
    """The table of open flights, one per (scope, key)."""

    def __init__(self, max_buffer_bytes: int = DEFAULT_MAX_BUFFER_BYTES) -> None:
        self.max_buffer_bytes = max_buffer_bytes
        self._flights: dict[FlightKey, Flight] = {}

    def begin(self, scope: str, key: str) -> tuple[Flight, bool]:
        """The open flight for this request and False (follow it), or a new one and True (lead it)."""
        flight = self._flights.get((scope, key))
        if flight is not None:
            return flight, False
        flight = Flight(self, (scope, key))
        self._flights[flight.key] = flight
        return flight, True

    def _close(self, flight: Flight) -> None:
        if self._flights.get(flight.key) is flight:
            del self._flights[flight.key]

    def __len__(self) -> int:
        return len(self._flights)


class Flight:
    """One request in flight upstream, published by its leader to any number of followers."""

    def __init__(self, table: InFlight, key: FlightKey) -> None:
        self.key = key
        self.head: ResponseHead | None = None
        self.entry: CacheEntry | None = None  # what the leader stored, if it passed it to finish()
        self._table = table
        self._history: list[bytes] | None = []  # None once over the buffer bound: no new followers
        self._buffered = 0
        self._followers: set[Follower] = set()
        self._outcome: bool | None = None

    @property
    def done(self) -> bool:
        return self._outcome is not None

    @property
    def succeeded(self) -> bool:
        return self._outcome is True

    # -- the leader's side --------------------------------------------------------------------------------

    def publish_head(self, status: int, headers: Sequence[tuple[bytes, bytes]], *, is_stream: bool) -> None:
        """The upstream's head as relayed. A non-2xx status fails the flight: errors are not shared."""
        if not 200 <= status < 300:
            self.finish(False)
        elif not self.done:
            self.head = ResponseHead(status, tuple(headers), is_stream)
            self._wake_all()

    def publish(self, chunk: bytes) -> None:
        """One body chunk, as it is relayed to the leader's own client."""
        if self.done or not chunk:
            return
        self._remember(chunk)
        for follower in self._followers:
            follower.queue.append(chunk)
            follower.wake.set()

    def finish(self, success: bool, entry: CacheEntry | None = None) -> None:
        """End the flight (the first call wins). Success means a complete answer (e.g. message_stop seen)."""
        if self.done:
            return
        self._outcome = success and self.head is not None
        self.entry = entry if self._outcome else None
        self._table._close(self)
        self._wake_all()

    def body(self) -> bytes | None:
        """Everything published so far, or None if it outgrew the buffer bound (too big to cache)."""
        return None if self._history is None else b"".join(self._history)

    def bind(self, owner: object) -> None:
        """Fail the flight if `owner` (the leader's relay generator) is dropped before finishing it.

        Covers a relay the server never started, e.g. because the client left before the response began.
        """
        weakref.finalize(owner, self.finish, False)

    def __enter__(self) -> Flight:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.finish(False)  # no-op after an explicit finish; covers exceptions and cancellation

    def _remember(self, chunk: bytes) -> None:
        if self._history is None:
            return
        self._history.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > self._table.max_buffer_bytes:
            self._history = None  # too big to cache or to replay to late joiners: stop holding it
            self._table._close(self)

    def _wake_all(self) -> None:
        for follower in self._followers:
            follower.wake.set()

    # -- the followers' side ------------------------------------------------------------------------------

    def follow(self) -> Follower:
        """Join the flight now (call it right after begin(), before any await). Raises FlightFailed."""
        if self._history is None or (self.done and not self.succeeded):
            raise FlightFailed("the request being followed cannot be joined")
        follower = Follower(self, self._history)
        self._followers.add(follower)
        return follower

    def _leave(self, follower: Follower) -> None:
        self._followers.discard(follower)


class Follower:
    """A follower's view of a flight: await `head()`, then `async for chunk in follower`, or `read_all()`."""

    def __init__(self, flight: Flight, backlog: list[bytes]) -> None:
        self.queue: deque[bytes] = deque(backlog)
        self.wake = asyncio.Event()
        self.committed = False  # this follower has started answering: from now on it ends, never retries
        self._flight = flight

    async def head(self) -> ResponseHead:
        """The leader's response head, once it and the first body chunk are there; then the follower is
        committed (a later failure ends its body early instead of raising). Raises FlightFailed before that.

        Waiting for the first chunk lets a handler build its response only when it can no longer fail.
        """
        while (self._flight.head is None or not self.queue) and not self._flight.done:
            await self._wait()
        self._check_failure()
        assert self._flight.head is not None  # a flight succeeds only after its head was published
        self.committed = True
        return self._flight.head

    def __aiter__(self) -> Follower:
        return self

    async def __anext__(self) -> bytes:
        while True:
            self._check_failure()
            if self.queue:
                self.committed = True
                return self.queue.popleft()
            if self._flight.done:
                self.close()
                raise StopAsyncIteration
            await self._wait()

    async def read_all(self) -> bytes:
        """The whole body of a successful flight (for a follower that answers with one body)."""
        chunks = [chunk async for chunk in self]
        if not self._flight.succeeded:
            raise FlightFailed("the request being followed did not complete")
        return b"".join(chunks)

    def close(self) -> None:
        """Stop following (also called at the end, and when a wait is cancelled)."""
        self._flight._leave(self)
        self.queue.clear()

    async def aclose(self) -> None:
        """`close()` for code that closes async iterators it relays (e.g. when the client goes away)."""
        self.close()

    def _check_failure(self) -> None:
        """Before the follower committed, a failed flight means: retry upstream yourself."""
        if self._flight.done and not self._flight.succeeded and not self.committed:
            self.close()
            raise FlightFailed("the request being followed failed")

    async def _wait(self) -> None:
        try:
            await self.wake.wait()
        except BaseException:
            self.close()
            raise
        self.wake.clear()
