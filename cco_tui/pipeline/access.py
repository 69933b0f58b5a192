"""Access tokens: who is asking. Runs in the front door, before the body is read.

A credential starting with `cco-` is a cco access token in either auth mode: it must be a known, unrevoked
one (else 401), it fixes the request's project, and it never leaves cco (the upstream gets cco's own key).
In `"auth": "tokens"` mode nothing else is accepted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from cco_tui.store.access_keys import TOKEN_PREFIX, AccessKey
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import CREDENTIAL_HEADERS, RawHeaders

Lookup = Callable[[str], Awaitable[AccessKey | None]]
NO_TOKEN = "cco requires a cco access token (x-api-key or Authorization: Bearer); create one with `cco keys create`"
BAD_TOKEN = "invalid or revoked cco access token"


def presented_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The credential as Claude Code sends it: `x-api-key`, else `Authorization: Bearer`."""
    bearer = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"x-api-key":
            return value.decode("latin-1").strip()
        if lowered == b"authorization" and value[:7].lower() == b"bearer ":
            bearer = value[7:].decode("latin-1").strip()
    return bearer


def is_cco_token(token: str | None) -> bool:
    return token is not None and token.startswith(TOKEN_PREFIX)


async def authenticate(headers: RawHeaders, lookup: Lookup, tokens_only: bool) -> AccessKey | None:
    """The request's access key; None for a passthrough request. Raises the 401."""
    token = presented_token(headers)
    if is_cco_token(token):
        assert token is not None
        key = await lookup(token)
        if key is None:
            raise ProxyError(401, BAD_TOKEN, "authentication_error")
        return key
    if tokens_only:
        raise ProxyError(401, NO_TOKEN, "authentication_error")
    return None


def without_credentials(headers: RawHeaders) -> RawHeaders:
    """The token stays here: the provider step adds cco's own credential to what goes upstream."""
    return [(name, value) for name, value in headers if name.lower() not in CREDENTIAL_HEADERS]
