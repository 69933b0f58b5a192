"""Which headers cross the proxy, in each direction."""

from __future__ import annotations

import time
from collections.abc import Iterable
from email.utils import formatdate

# RFC 9110 §7.6.1 connection-specific headers, plus what the transport recomputes itself.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Not forwarded upstream: `host` names cco; the length is recomputed; cco asks for identity encoding itself so
# that it can read (and count, and cache) what it relays.
NOT_UPSTREAM = HOP_BY_HOP | {b"host", b"content-length", b"accept-encoding"}
# Not relayed back: the length is recomputed (cco may rewrite the framing). The encoding is relayed as it came:
# cco asks upstreams for identity, and if one compresses anyway the client must still be told. `server` names
# the upstream's software, which is not the client's business (and cco is the server it talks to).
NOT_DOWNSTREAM = HOP_BY_HOP | {b"content-length", b"server"}
CREDENTIAL_HEADERS = (b"x-api-key", b"authorization")

RawHeaders = list[tuple[bytes, bytes]]


def upstream_headers(incoming: Iterable[tuple[bytes, bytes]], keep_credentials: bool = True) -> RawHeaders:
    """What goes upstream: not hop-by-hop, not cco's own `x-cco-*` controls, and credentials only when the
    upstream is the provider they were issued by."""
    dropped = NOT_UPSTREAM if keep_credentials else NOT_UPSTREAM | set(CREDENTIAL_HEADERS)
    return [
        (name, value)
        for name, value in incoming
        if (lowered := name.lower()) not in dropped and not lowered.startswith(b"x-cco-")
    ]


def downstream_headers(upstream: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    return [(name, value) for name, value in upstream if name.lower() not in NOT_DOWNSTREAM]


def has_credential(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() in CREDENTIAL_HEADERS for name, _ in headers)


_date_cache: tuple[int, bytes] = (0, b"")


def http_date() -> bytes:
    """The Date header value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def with_date(headers: RawHeaders) -> RawHeaders:
    if not any(name.lower() == b"date" for name, _ in headers):
        headers.append((b"date", http_date()))
    return headers


def joined_values(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    """All values of a header that may be repeated, comma-joined as HTTP allows (e.g. anthropic-beta)."""
    values = [value.decode("latin-1") for name, value in headers if name.lower() == wanted]
    return ",".join(values) if values else None


def header_text(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    """A header meant for people (a project name): clients send UTF-8 there, whatever HTTP says."""
    for name, value in headers:
        if name.lower() == wanted:
            return value.decode("utf-8", "replace")
    return None


def header_value(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    """First value of a header (names compared lower-case), decoded as latin-1 like HTTP does."""
    for name, value in headers:
        if name.lower() == wanted:
            return value.decode("latin-1")
    return None
