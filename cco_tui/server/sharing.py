"""What a server shares with its replicas through Redis (`redis_url`): the link, the cache's second tier and the
governance counters. Built only when a URL is configured, so redis-py is imported only then."""

from __future__ import annotations

from collections.abc import Callable

from cco_tui.cache.redis_tier import RedisTier, shared_scope_secret
from cco_tui.config.settings import Settings
from cco_tui.governance.redis_counters import RedisCounters
from cco_tui.redislink.link import RedisLink


class Sharing:
    def __init__(self, settings: Settings, url: str) -> None:
        down = settings.on_redis_down
        effects = (
            f"cache lookups miss; limits {'are refused' if down.limits == 'closed' else 'count in this process'};"
            f" budgets {'are refused' if down.budgets == 'closed' else 'count in this process'}"
        )
        self.link = RedisLink(url, effects=effects)
        self.tier = RedisTier(self.link, settings.cache.ttl_seconds, settings.cache.redis_max_entry_bytes)
        self.counters = RedisCounters(self.link, down)

    async def open(self, secret: Callable[[], bytes], adopt: Callable[[bytes], None]) -> None:
        """Connect (or keep trying in the background); each time Redis answers, agree on the scope secret."""

        async def agree() -> None:
            adopt(await shared_scope_secret(self.link, secret()))

        self.link.on_reconnect(agree)
        await self.link.open()

    async def close(self) -> None:
        await self.counters.drain()
        await self.link.close()
