"""Request coalescing: identical requests wait for the one already in flight instead of going upstream.

The first request for a (scope, key) becomes the *leader* of a `Flight`: it goes upstream, relays the answer
to its own client, and finishes the flight with the cache entry it made of a complete answer, or with None.
Identical requests arriving meanwhile *follow* it: they wait for the end and answer with that entry, exactly
as a cache hit would, so a follower is never handed part of an answer that then fails. A flight that ends
without an entry (an error, a truncated stream, an answer too big to keep, a fallback model) tells its
followers to go upstream themselves; nothing of a failed answer is ever shared.

Followers hold no bytes while they wait: the leader's relay captures the answer once, for the cache.
"""

from __future__ import annotations

import asyncio
import weakref

from cco_tui.cache.entry import CacheEntry

FlightKey = tuple[str, str]  # (scope, cache key)


class InFlight:
    """The table of open flights, one per (scope, key)."""

    def __init__(self) -> None:
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
    """One request in flight upstream; its followers wait for `finish()`."""

    def __init__(self, table: InFlight, key: FlightKey) -> None:
        self.key = key
        self.entry: CacheEntry | None = None
        self._table = table
        self._ended = asyncio.Event()

    @property
    def done(self) -> bool:
        return self._ended.is_set()

    def finish(self, entry: CacheEntry | None) -> None:
        """End the flight (the first call wins): with the entry of a complete answer, or None for a failure."""
        if self.done:
            return
        self.entry = entry
        self._table._close(self)
        self._ended.set()

    async def wait(self) -> CacheEntry | None:
        """The leader's entry once the flight ends; None means: go upstream yourself."""
        await self._ended.wait()
        return self.entry

    def bind(self, owner: object) -> None:
        """Fail the flight if `owner` (the leader's relay) is dropped before finishing it, e.g. because the
        server was stopped between building the response and sending it: followers must never wait forever."""
        weakref.finalize(owner, self.finish, None)
