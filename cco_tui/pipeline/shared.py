"""What the pipeline steps use of the server's shared state (the server's ServerState provides it).

Declared here, on the pipeline's side, so the pipeline depends on nothing above it.
"""

from __future__ import annotations

from typing import Protocol

from cco_tui.cache.coalesce import InFlight
from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.store import ResponseCache
from cco_tui.config.settings import Config
from cco_tui.governance.governor import Governor
from cco_tui.pipeline.meters import MeterBook
from cco_tui.providers.http import Upstream
from cco_tui.store.record import RequestRecord


class SecondTier(Protocol):
    async def get(self, scope: str, key: str) -> CacheEntry | None:
        """A cache entry another replica may have stored (Redis), or None; never raises."""


class Shared(Protocol):
    config: Config
    scope_secret: bytes
    cache: ResponseCache
    inflight: InFlight
    governor: Governor

    @property
    def second_tier(self) -> SecondTier | None:
        """The cache shared with other replicas (Redis), behind `cache`; None without `redis_url`."""

    meters: MeterBook

    @property
    def upstream(self) -> Upstream:
        """The pooled connections to every upstream host."""

    def store(self, scope: str, key: str, entry: CacheEntry) -> None:
        """Keep a complete answer in the cache (and its persistent tier)."""

    def record(self, record: RequestRecord) -> None:
        """Hand one finished request's row to the writer."""
