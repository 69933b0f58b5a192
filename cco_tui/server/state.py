"""Everything the handlers share for the life of the server: config, the upstream client, the guards."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from cco_tui.providers import anthropic
from cco_tui.routing import Resolved, resolve
from cco_tui.errors import ProxyError
from cco_tui.server.exchange import Incoming, UpstreamReply
from cco_tui.server.guards import AccessPolicy
from cco_tui.settings import Config

POOL_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=60)


def make_client(connect_timeout_s: float) -> httpx.AsyncClient:
    """One pooled client for every upstream; per-request timeouts come from the route."""
    return httpx.AsyncClient(timeout=httpx.Timeout(600, connect=connect_timeout_s), limits=POOL_LIMITS)


@dataclass(slots=True)
class ServerState:
    config: Config
    policy: AccessPolicy
    started_at: float = field(default_factory=time.monotonic)
    _client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise ProxyError(503, "cco is starting up or shutting down", "api_error")
        return self._client

    async def open(self) -> None:
        self._client = make_client(self.config.settings.connect_timeout_s)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def uptime_s(self) -> float:
        return time.monotonic() - self.started_at

    def resolve(self, incoming: Incoming) -> Resolved:
        return resolve(self.config.routes, incoming.model or "")

    async def forward(self, incoming: Incoming) -> UpstreamReply:
        resolved = self.resolve(incoming)
        return await anthropic.send(self.client, incoming, resolved, self.config.settings.connect_timeout_s)
