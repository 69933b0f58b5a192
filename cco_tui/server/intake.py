"""Reading a request: the body as received, its JSON when it has one, and the checks that reject it early."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, cast

import orjson
from quart import request

from cco_tui.errors import ProxyError
from cco_tui.server.exchange import Incoming
from cco_tui.server.headers import header_value

if TYPE_CHECKING:
    from hypercorn.typing import HTTPScope

MODEL_ENDPOINTS = frozenset({"/v1/messages", "/v1/messages/count_tokens"})


def new_request_id() -> str:
    return "cco_" + secrets.token_hex(12)


async def read_incoming(max_body_bytes: int) -> Incoming:
    scope = cast("HTTPScope", request.scope)
    headers: list[tuple[bytes, bytes]] = list(scope["headers"])
    check_declared_length(headers, max_body_bytes)
    body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
    return Incoming(
        request_id=new_request_id(),
        method=scope["method"],
        path=scope["path"],
        query=scope["query_string"],
        headers=headers,
        body=body,
        payload=parse_payload(scope["path"], headers, body),
        remote_addr=(scope.get("client") or ("", 0))[0],
    )


def check_declared_length(headers: list[tuple[bytes, bytes]], limit: int) -> None:
    declared = header_value(headers, b"content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProxyError(413, f"request body of {declared} bytes exceeds the {limit}-byte limit")


def parse_payload(path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any] | None:
    """Messages endpoints must carry a JSON object with a model; elsewhere parsing is best-effort."""
    strict = path in MODEL_ENDPOINTS
    content_type = header_value(headers, b"content-type") or ""
    if strict and "json" not in content_type.lower():
        raise ProxyError(400, f"Content-Type must be application/json, got {content_type or 'none'!r}")
    if not body or "json" not in content_type.lower():
        return None
    payload = load_json(body) if strict else try_load_json(body)
    if strict and not isinstance(payload.get("model") if payload else None, str):
        raise ProxyError(400, "model: field required (a string naming the model)")
    return payload


def load_json(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ProxyError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ProxyError(400, "request body must be a JSON object")
    return payload


def try_load_json(body: bytes) -> dict[str, Any] | None:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None
