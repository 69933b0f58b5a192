"""Everything the handlers share for the life of the server: config, upstream pools, cache, analytics writer."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from cco_tui.cache.coalesce import InFlight
from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.keys import new_scope_secret
from cco_tui.cache.persist import PersistentTier, warm
from cco_tui.cache.store import ResponseCache
from cco_tui.config.settings import Config
from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.source import LivePricing, cached_source_path
from cco_tui.governance.counters import Counters, LocalCounters
from cco_tui.governance.governor import Governor
from cco_tui.governance.rules import RuleBook, SpendFilter
from cco_tui.pipeline.guard import AccessPolicy
from cco_tui.pipeline.meters import MeterBook
from cco_tui.pipeline.record import SessionProjects, rejected_record
from cco_tui.providers.http import Upstream
from cco_tui.server.keyring import KeyRing
from cco_tui.server.metrics import Metrics
from cco_tui.server.shutdown import Requests
from cco_tui.store.access_keys import AccessKey, SpendQuery, recorded_spend
from cco_tui.store.meters import load_meter_state
from cco_tui.store.record import RequestRecord
from cco_tui.store.target import DbTarget, beside_database, db_target
from cco_tui.store.writer import RecordWriter
from cco_tui.wire.errors import ProxyError

if TYPE_CHECKING:
    from cco_tui.cache.redis_tier import RedisTier
    from cco_tui.server.sharing import Sharing

log = logging.getLogger("cco.server")
ReadinessCheck = Callable[[], Awaitable[None]]  # raises (or times out) when its dependency is unavailable


def persistent_cache_path(db: DbTarget | Path | str) -> Path:
    """Beside the SQLite file; with PostgreSQL, in the user data directory (the cache tier is per machine)."""
    target = db_target(db)
    if target.path is not None:
        return target.path.with_name("response-cache.sqlite")
    return Path(platformdirs.user_data_dir("cco")) / "response-cache.sqlite"


def read_spend(spend: SpendFilter, start: float, until: float) -> float:
    return recorded_spend(
        SpendQuery(start, until, spend.project, spend.key_id, spend.project_glob, spend.key_glob, spend.model_glob)
    )


def nothing_recorded(spend: SpendFilter, start: float, until: float) -> float:
    return 0.0


def make_governor(config: Config, counters: Counters | None = None) -> Governor:
    """Budgets start from the spend recorded before this process; with analytics off nothing was."""
    settings = config.settings
    reader = read_spend if settings.analytics else nothing_recorded
    counters = counters or LocalCounters()
    return Governor(RuleBook(settings.limits, settings.budgets), counters, config.pricing, reader)


def make_sharing(config: Config) -> Sharing | None:
    """The Redis link, second cache tier and shared counters when `redis_url` is set (redis-py loads only then)."""
    url = config.settings.redis_url
    if not url:
        return None
    from cco_tui.server.sharing import Sharing

    return Sharing(config.settings, url)


def make_cache(config: Config) -> ResponseCache:
    settings = config.settings.cache
    return ResponseCache(settings.max_bytes, settings.ttl_seconds)


@dataclass(slots=True)
class ServerState:
    config: Config
    policy: AccessPolicy
    db_path: DbTarget | Path | str
    metrics: Metrics = field(default_factory=Metrics)
    cache: ResponseCache = field(init=False)
    inflight: InFlight = field(init=False)
    scope_secret: bytes = field(default_factory=new_scope_secret)  # per process: scopes die with the cache
    started_at: float = field(default_factory=time.monotonic)
    writer: RecordWriter = field(init=False)
    keyring: KeyRing = field(init=False)
    # With "auth": "tokens", this process's own dashboard reaches /api/* with this (memory only, never shown).
    dashboard_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    governor: Governor = field(init=False)
    meters: MeterBook = field(init=False)
    sessions: SessionProjects = field(default_factory=SessionProjects)
    persistent: PersistentTier | None = None  # cache.persist: a SQLite copy of the cache that survives restarts
    live_pricing: LivePricing | None = None  # pricing_source: a price map refreshed in its own thread
    # /health/ready's checks beyond the store (which it always checks): e.g. "redis" once a URL is configured
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    sharing: Sharing | None = field(init=False)
    second_tier: RedisTier | None = field(init=False)  # the cache in Redis, behind `cache`
    requests: Requests = field(default_factory=Requests)  # the unfinished /v1/* requests (ended at shutdown)
    _upstream: Upstream | None = None
    _background: set[asyncio.Task[object]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cache = make_cache(self.config)
        self.inflight = InFlight()
        self.writer = RecordWriter(self.db_path, self.config.pricing, metrics=self.metrics)
        self.keyring = KeyRing(self.db_path)
        self.sharing = make_sharing(self.config)
        self.second_tier = self.sharing.tier if self.sharing else None
        self.governor = make_governor(self.config, self.sharing.counters if self.sharing else None)
        self.metrics.watch_writer(self.writer.stats)
        self.meters = MeterBook(on_snapshot=self.writer.note_meters if self.config.settings.analytics else None)

    @property
    def upstream(self) -> Upstream:
        if self._upstream is None:
            raise ProxyError(503, "cco is starting up or shutting down", "api_error")
        return self._upstream

    async def open(self) -> None:
        if self.config.settings.analytics:
            await asyncio.to_thread(self.writer.start)  # opens and migrates the database off the loop
            stored = await asyncio.to_thread(load_meter_state, self.db_path)
            if stored is not None:
                self.meters.restore(*stored)
        if self.config.settings.cache.persist:
            await asyncio.to_thread(self._open_persistent)  # before serving: nothing else touches the cache yet
        if self.config.settings.pricing_source:
            await asyncio.to_thread(self._start_live_pricing)
        if self.config.settings.analytics or self.config.settings.auth == "tokens":
            await self.keyring.open()  # tokens (and the spend budgets count) live in the analytics database
        if self.sharing is not None:
            await self.sharing.open(lambda: self.scope_secret, self._adopt_secret)
            self.readiness["redis"] = self.sharing.link.ping
        self._upstream = Upstream()

    def _adopt_secret(self, secret: bytes) -> None:
        """Replicas must derive the same credential scopes to share entries; the first one's secret wins."""
        self.scope_secret = secret

    def _start_live_pricing(self) -> None:
        """The saved map now (a file read), then refreshes in the background: never on the request path."""
        settings, config = self.config.settings, self.config
        assert settings.pricing_source is not None
        self.live_pricing = LivePricing(
            shipped=config.shipped_pricing or config.pricing,
            user=config.user_pricing,
            source=settings.pricing_source,
            cache_path=cached_source_path(beside_database(self.db_path)),
            interval_s=settings.pricing_refresh_hours * 3600,
            on_change=self._use_pricing,
        )
        self.live_pricing.load_cached()
        self.live_pricing.start()

    def _use_pricing(self, pricing: PricingTable) -> None:
        """A refreshed price map: rows and budgets are priced by it from now on (called from its thread)."""
        self.writer.use_pricing(pricing)
        self.governor.pricing = pricing  # one reference swapped: the next admission sees whole tables only

    def _open_persistent(self) -> None:
        settings = self.config.settings.cache
        self.persistent = PersistentTier(
            persistent_cache_path(self.db_path),
            max_bytes=settings.max_bytes,
            ttl_seconds=settings.ttl_seconds,
        )
        self.scope_secret = self.persistent.scope_secret()  # scopes must match the stored entries'
        log.info(
            "restored %d cached answers from %s",
            warm(self.cache, self.persistent.load()),
            self.persistent.path,
        )

    async def authenticate(self, token: str) -> AccessKey | None:
        return await self.keyring.authenticate(token)

    async def close(self) -> None:
        if self.live_pricing is not None:
            await asyncio.to_thread(self.live_pricing.stop)
        await self.keyring.close()
        if self._upstream is not None:
            await self._upstream.aclose()
            self._upstream = None
        if self._background:
            await asyncio.wait(self._background, timeout=5)
        if self.persistent is not None:
            await asyncio.to_thread(self.persistent.close)
        if self.sharing is not None:
            await self.sharing.close()
        if not await asyncio.to_thread(self.writer.stop, 10.0):
            log.error("analytics writer did not flush everything before shutdown")

    def store(self, scope: str, key: str, entry: CacheEntry) -> None:
        if self.second_tier is not None:  # even if L1 does not admit it: other replicas may want it
            self._in_background(self.second_tier.put(scope, key, entry))
        if self.cache.put(scope, key, entry) and self.persistent is not None:
            self._in_background(asyncio.to_thread(self.persistent.save, scope, key, entry))

    def clear_cache(self) -> int:
        if self.persistent is not None:
            self._in_background(asyncio.to_thread(self.persistent.clear))
        if self.second_tier is not None:
            self._in_background(self.second_tier.clear())
        return self.cache.clear()

    def _in_background(self, work: Coroutine[object, object, object]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)  # held until done, so it is neither collected nor forgotten at shutdown
        task.add_done_callback(self._background.discard)

    def record(self, record: RequestRecord) -> None:
        self.sessions.settle(record)
        self.writer.submit(record)

    def record_rejected(self, scope: MutableMapping[str, Any], error: ProxyError) -> None:
        if self.config.settings.analytics:
            self.writer.submit(rejected_record(scope, error.status, error.error_type))

    def uptime_s(self) -> float:
        return time.monotonic() - self.started_at
