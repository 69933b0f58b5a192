"""The cache step of the pipeline: may this request read or write the cache, and under which key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cco_tui.cache.keys import cache_key, credential_scope_of
from cco_tui.config.routes import Resolved
from cco_tui.config.settings import CacheSettings
from cco_tui.wire.headers import joined_values
from cco_tui.wire.types import Incoming

CacheMode = Literal["normal", "bypass", "refresh", "off"]
CACHEABLE_PATH = "/v1/messages"


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
        incoming.header(b"x-api-key"),
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
