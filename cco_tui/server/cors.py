"""CORS for the origins a user allowed in settings.json (every other Origin is refused before this runs).

Without it `allowed_origins` would be useless: a browser sends a preflight first and reads nothing from a
response that does not name its origin.
"""

from __future__ import annotations

from cco_tui.wire.headers import RawHeaders
from cco_tui.wire.types import Outgoing

EXPOSED = b"request-id, retry-after, x-cco-request-id, x-cco-overhead-ms, x-cco-cache, x-cco-served-model"


def allow_headers(origin: str) -> RawHeaders:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", EXPOSED),
        (b"vary", b"origin"),
    ]


def preflight(origin: str | None, requested_headers: str | None) -> Outgoing:
    """cco answers OPTIONS itself; upstreams never see a preflight."""
    headers: RawHeaders = [(b"allow", b"GET, POST, DELETE, OPTIONS")]
    if origin is not None:
        headers += allow_headers(origin)
        headers += [
            (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
            (b"access-control-allow-headers", (requested_headers or "*").encode("latin-1")),
            (b"access-control-max-age", b"600"),
        ]
    return Outgoing(204, headers, b"")
