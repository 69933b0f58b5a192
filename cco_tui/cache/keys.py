"""What makes two requests the same (the cache key) and whose answers they may share (the scope).

The key is SHA-256 over a canonical form of everything that determines the answer:

    orjson([KEY_FORMAT, provider, upstream_model, path, sorted query pairs, anthropic-version,
            sorted set of anthropic-beta flags])
    + b"\\0" +
    orjson(body without "metadata" and "stream", keys sorted at every level, no whitespace)

- `metadata` only carries ids (Claude Code puts its session id there) and `stream` only changes the framing,
  which a cache entry can replay either way; neither changes the answer.
- The query string is part of the key (its pairs sorted, so their order does not matter): `?beta=true`
  selects Anthropic's beta surface, which accepts different input, so a request with and without it may
  be answered differently. A client sends the same form every time, so this costs no hits in practice.
- Beta flags are split on commas and stripped; their order and repetitions do not matter, their case does.
- The head is JSON (control characters escaped), so the NUL separator makes the form unambiguous.
- The canonical form must be lossless: two bodies whose bytes mean different things must never share a key.
  orjson turns integers beyond 64 bits into floats, keeps the last of duplicate keys and cannot re-encode
  more than 254 levels, so when the raw bytes (if given) are not exactly orjson's encoding of what it parsed,
  the body is re-read exactly (stdlib json: unbounded integers, duplicates detected, decimals checked); if
  even that cannot be exact, the key is over the raw bytes themselves (tagged, so it never meets a canonical
  form).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import orjson

KEY_FORMAT = 1  # bump when the canonical form changes, so old persisted entries stop matching
ScopeMode = Literal["credential", "shared"]
SHARED_SCOPE = "shared"
ANONYMOUS_SCOPE = "anonymous"
_IGNORED_BODY_FIELDS = ("metadata", "stream")


def cache_key(
    *,
    provider: str,
    upstream_model: str,
    path: str,
    anthropic_version: str | None,
    anthropic_beta: str | None,
    body: Mapping[str, Any],
    raw: bytes | None = None,
) -> str:
    """The hex SHA-256 cache key of a request (see the module docstring for the canonical form).

    `raw` is the JSON text `body` was parsed from; without it `body` is taken as exact."""
    bare_path, query = _split_path(path)
    betas = beta_flags(anthropic_beta)
    head = [KEY_FORMAT, provider, upstream_model, bare_path, query, anthropic_version, betas]
    digest = hashlib.sha256(orjson.dumps(head))
    digest.update(b"\0")
    digest.update(canonical_body(body) if raw is None else exact_canonical_body(body, raw))
    return digest.hexdigest()


def canonical_body(body: Mapping[str, Any]) -> bytes:
    """The body as compact JSON with sorted keys, without the fields that do not change the answer."""
    return orjson.dumps(_kept(body), option=orjson.OPT_SORT_KEYS)


def exact_canonical_body(body: Mapping[str, Any], raw: bytes) -> bytes:
    """`canonical_body`, when `body` is provably all that `raw` says; else a lossless form, else the raw bytes."""
    try:
        if orjson.dumps(body) == raw:  # raw is a function of body: parsing lost nothing
            return canonical_body(body)
    except orjson.JSONEncodeError:
        pass  # deeper than orjson re-encodes
    exact = _exact_parse(raw)
    if exact is None:
        return RAW_TAG + raw
    try:
        return orjson.dumps(exact, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # integers beyond 64 bits, or deep nesting
        return _stdlib_canonical(exact) or RAW_TAG + raw


RAW_TAG = b"\0raw\0"  # never the start of a JSON document


class _Inexact(ValueError):
    """The text holds something a canonical form would not keep exactly."""


def _exact_parse(raw: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw, object_pairs_hook=_unique_members, parse_float=_exact_float)
    except (ValueError, RecursionError):
        return None
    return _kept(document) if isinstance(document, dict) else None


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _Inexact("duplicate key")
    return members


def _exact_float(text: str) -> float:
    value = float(text)
    try:
        if Decimal(text) != Decimal(repr(value)):
            raise _Inexact(f"{text} is not exactly a double")
    except InvalidOperation:
        raise _Inexact(text) from None
    return value


def _stdlib_canonical(document: dict[str, Any]) -> bytes | None:
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return None


def _kept(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name not in _IGNORED_BODY_FIELDS}


def beta_flags(header: str | None) -> list[str]:
    """The sorted set of flags in an `anthropic-beta` header value."""
    if not header:
        return []
    return sorted({flag.strip() for flag in header.split(",")} - {""})


def _split_path(path: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(path)
    return parts.path, sorted(parse_qsl(parts.query, keep_blank_values=True))


def new_scope_secret() -> bytes:
    """A random key for `credential_scope`, made once per process (or persisted with the cache)."""
    return secrets.token_bytes(32)


def credential_scope(headers: Mapping[str, str], secret: bytes, mode: ScopeMode) -> str:
    """Whose cache a request may read: a keyed hash of its credential, or "shared" for a team cache.

    The credential itself never leaves this function. Requests without a credential (the proxy adds its
    own key) share the "anonymous" scope.
    """
    api_key, authorization = _header(headers, "x-api-key"), _header(headers, "authorization")
    return credential_scope_of(api_key, authorization, secret, mode)


def credential_scope_of(api_key: str | None, authorization: str | None, secret: bytes, mode: ScopeMode) -> str:
    """`credential_scope` from the two credential header values (for callers holding raw headers)."""
    if mode == SHARED_SCOPE:
        return SHARED_SCOPE
    if mode != "credential":
        raise ValueError(f"unknown cache scope mode {mode!r}")
    material = _credential_material(api_key or None, _bearer(authorization or None))
    if material is None:
        return ANONYMOUS_SCOPE
    return "key:" + hmac.new(secret, material, hashlib.sha256).hexdigest()[:32]


def _credential_material(api_key: str | None, token: str | None) -> bytes | None:
    if api_key is None and token is None:
        return None
    # Both kinds are hashed, tagged, so a key and a token with the same text still differ.
    return f"x-api-key\0{api_key or ''}\0bearer\0{token or ''}".encode()


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    return (token.strip() if scheme.lower() == "bearer" else value.strip()) or None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by lower-case name, from a case-insensitive mapping (Quart) or a plain dict."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value or None
