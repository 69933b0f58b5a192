"""Which credential a request carries, and whether it is a subscription's (no I/O, never stored).

The rule for `billing` (documented in the README): a request is billed to a **subscription** when it carries
`Authorization: Bearer` with a claude.ai OAuth token (`sk-ant-oat…`), or a Bearer token together with an
OAuth `anthropic-beta` flag (`oauth-…`) and no `x-api-key`. Everything else (x-api-key `sk-ant-api…`, an
`ANTHROPIC_AUTH_TOKEN` gateway token without the OAuth flag, cco's own key) is **api**.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from cco_tui.wire.headers import header_value, joined_values

Billing = Literal["api", "subscription"]
OAUTH_TOKEN_PREFIX = "sk-ant-oat"
OAUTH_BETA_PREFIX = "oauth-"


def bearer_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    value = header_value(headers, b"authorization")
    if value is None or value[:7].lower() != "bearer ":
        return None
    return value[7:].strip() or None


def presented_credential(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key or token the client sent (x-api-key first, as Anthropic checks it first)."""
    return header_value(headers, b"x-api-key") or bearer_token(headers)


def has_oauth_beta(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    flags = joined_values(headers, b"anthropic-beta") or ""
    return any(flag.strip().startswith(OAUTH_BETA_PREFIX) for flag in flags.split(","))


def billing_of(headers: list[tuple[bytes, bytes]]) -> Billing:
    token = bearer_token(headers)
    if token is None:
        return "api"
    if token.startswith(OAUTH_TOKEN_PREFIX):
        return "subscription"
    oauth_only = has_oauth_beta(headers) and header_value(headers, b"x-api-key") is None
    return "subscription" if oauth_only else "api"
