"""The cache step of the pipeline: may this request read or write the cache, under which key, and the lifecycle
of coalescing (lead or follow an identical request in flight) behind one small API the exchange calls:

    found = await lookup(cache, inflight, plan)   # a CacheEntry (hit or coalesced) or the Lead to take upstream
    lead.abandon()                                # the attempt failed or another model answered: followers retry
    lead.conclude(entry)                          # the answer ended: its entry (complete) or None (failed)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from cco_tui.cache.coalesce import Flight, InFlight
from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.keys import cache_key, credential_scope_of
from cco_tui.cache.store import ResponseCache
from cco_tui.config.routes import Resolved
from cco_tui.config.settings import CacheSettings
from cco_tui.wire.headers import joined_values
from cco_tui.wire.types import Incoming

CacheMode = Literal["normal", "bypass", "refresh", "off"]
CACHEABLE_PATH = "/v1/messages"
FOLLOW_ATTEMPTS = 3  # a follower whose leader failed tries again (lead or follow), then goes upstream alone


@dataclass(frozen=True, slots=True)
class CachePlan:
    mode: CacheMode
    scope: str = ""
    key: str = ""

    @property
    def reads(self) -> bool:
        return self.mode == "normal"

    @property
    def writes(self) -> bool:
        return self.mode in ("normal", "refresh")


OFF = CachePlan("off")


def requested_mode(incoming: Incoming) -> CacheMode:
    """`x-cco-cache: bypass|refresh`, or the standard Cache-Control directives meaning the same."""
    explicit = (incoming.header(b"x-cco-cache") or "").strip().lower()
    if explicit in ("bypass", "refresh"):
        return explicit  # type: ignore[return-value]
    directives = (incoming.header(b"cache-control") or "").lower()
    if "no-store" in directives:
        return "bypass"
    if "no-cache" in directives:
        return "refresh"
    return "normal"


def plan_for(incoming: Incoming, resolved: Resolved, settings: CacheSettings, secret: bytes) -> CachePlan:
    if not (settings.enabled and resolved.route.cache and incoming.path == CACHEABLE_PATH and incoming.payload):
        return OFF
    mode = requested_mode(incoming)
    if mode == "bypass":
        return CachePlan("bypass")
    scope = credential_scope_of(
        f"cco-key:{incoming.key_id}" if incoming.key_id else incoming.header(b"x-api-key"),  # per cco token
        incoming.header(b"authorization"),
        secret,
        "shared" if settings.scope == "shared" else "credential",
    )
    return CachePlan(mode, scope, key_for(incoming, resolved))


def key_for(incoming: Incoming, resolved: Resolved) -> str:
    query = incoming.query.decode("latin-1")
    assert incoming.payload is not None
    return cache_key(
        provider=resolved.route.provider,
        upstream_model=resolved.upstream_model,
        path=incoming.path + ("?" + query if query else ""),
        anthropic_version=incoming.header(b"anthropic-version"),
        anthropic_beta=joined_values(incoming.headers, b"anthropic-beta"),
        body=incoming.payload,
        raw=incoming.json_body,
    )


class Lead:
    """This request goes upstream; identical ones may be waiting on its flight (None when it leads no flight)."""

    def __init__(self, flight: Flight | None) -> None:
        self._flight = flight

    def bind(self, owner: object) -> None:
        """Release the followers if `owner` (the relay) is dropped without reporting the end."""
        if self._flight is not None:
            self._flight.bind(owner)

    def abandon(self) -> None:
        """No shareable answer will come from this request: followers go upstream themselves."""
        self.conclude(None)

    def conclude(self, entry: CacheEntry | None) -> None:
        if self._flight is not None:
            self._flight.finish(entry)
            self._flight = None


NO_FLIGHT = Lead(None)
SecondLookup = Callable[[], Awaitable[CacheEntry | None]]


async def lookup(
    cache: ResponseCache, inflight: InFlight, plan: CachePlan, second: SecondLookup | None = None
) -> CacheEntry | Lead:
    """A cached entry, or the entry an identical request in flight completed with (a coalesced hit), or the Lead
    this request must take upstream. A followed leader that fails shares nothing: the followers race to lead
    again (one goes upstream, the rest follow it) instead of all retrying at once."""
    for _ in range(FOLLOW_ATTEMPTS):
        entry = cache.get(plan.scope, plan.key)
        if entry is None and second is not None:
            entry = await second()  # the cache shared with other replicas (Redis), which fills this one
        if entry is not None:
            return entry
        flight, leader = inflight.begin(plan.scope, plan.key)
        if leader:
            return Lead(flight)
        entry = await flight.wait()
        if entry is not None:
            cache.count_coalesced()
            return entry
    return NO_FLIGHT
