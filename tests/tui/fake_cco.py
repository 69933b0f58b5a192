"""A stand-in for the serving cco's management API (/health, /api/cache/*), as a real Quart app.

The dashboard only uses these three endpoints over HTTP, so swapping this for the real server app later only
changes which app the `proxy_server` fixture runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import Quart


@dataclass
class CacheState:
    entries: int = 12
    bytes: int = 3_400_000
    hits: int = 40
    misses: int = 60
    clears: int = 0


def create_fake_cco(state: CacheState, uptime_s: float = 3723.0) -> Quart:
    app = Quart("fake_cco")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": "2026.12.1", "uptime_s": uptime_s}

    @app.get("/api/cache/stats")
    async def stats() -> dict[str, Any]:
        lookups = state.hits + state.misses
        return {
            "entries": state.entries,
            "bytes": state.bytes,
            "max_bytes": 268_435_456,
            "hits": state.hits,
            "misses": state.misses,
            "hit_rate": state.hits / lookups if lookups else 0.0,
            "evictions": 0,
            "coalesced": 3,
        }

    @app.post("/api/cache/clear")
    async def clear() -> dict[str, Any]:
        cleared, state.entries, state.bytes = state.entries, 0, 0
        state.clears += 1
        return {"cleared": cleared}

    return app
