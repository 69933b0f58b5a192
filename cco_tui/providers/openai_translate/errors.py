"""Upstream (OpenAI-style) errors -> Anthropic-shaped errors, whole or as an SSE `error` event.

The status -> type table is cco's one table (cco_tui.wire.errors); this module adds reading the many shapes of
OpenAI-compatible error bodies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from cco_tui.wire.errors import error_document, error_type_for
from cco_tui.wire.errors import error_event as _error_event

ErrorBody = bytes | str | Mapping[str, Any] | None

_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_*.-]{6,}")  # OpenAI echoes a partly masked key in 401s
_MAX_MESSAGE_CHARS = 2000
_BAD_GATEWAY = 502


class UpstreamFormatError(ValueError):
    """The upstream answered 2xx with something that is not a chat completion."""


def from_openai_error(status: int, body: ErrorBody) -> tuple[int, dict[str, Any]]:
    """(status, Anthropic error body) for an upstream error answer; the upstream status is kept.

    A non-error status here means the upstream broke the protocol: answered as 502 api_error.
    """
    if status < 400:
        status = _BAD_GATEWAY
    message = _redact(upstream_message(body)) or f"upstream returned HTTP {status}"
    return status, error_document(status, message)


def error_event(message: str, error_type: str = "api_error") -> bytes:
    """An Anthropic `event: error` frame: how a stream that already started reports a failure."""
    return _error_event(_BAD_GATEWAY, _redact(message), error_type)


def upstream_message(body: ErrorBody) -> str:
    """The human message in an error body: OpenAI `{"error":{"message"}}`, Ollama `{"error":"…"}`,
    vLLM `{"message": …}`, or the raw text of a non-JSON body (an HTML page from a proxy, say)."""
    parsed = _parse(body)
    if isinstance(parsed, Mapping):
        return _message_in(parsed)
    return str(parsed or "").strip()[:_MAX_MESSAGE_CHARS]


def _parse(body: ErrorBody) -> Any:
    if body is None or isinstance(body, Mapping):
        return body
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def _message_in(parsed: Mapping[str, Any]) -> str:
    error = parsed.get("error", parsed)
    if isinstance(error, Mapping):
        error = error.get("message") or error.get("detail") or ""
    return str(error)[:_MAX_MESSAGE_CHARS]


def _redact(message: str) -> str:
    return _KEY_LIKE.sub("sk-***", message)


__all__ = ["UpstreamFormatError", "error_event", "error_type_for", "from_openai_error", "upstream_message"]
