"""Reading a request: the body as received, its JSON when it has one, and the checks that reject it early."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import orjson

from cco_tui.pipeline.decoding import decoded_body
from cco_tui.wire.asgi import Receive, Scope
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import header_value
from cco_tui.wire.types import Incoming

MODEL_ENDPOINTS = frozenset({"/v1/messages", "/v1/messages/count_tokens"})
# The methods Anthropic's API uses (DELETE: files, batches). Anything else (TRACE, CONNECT, PUT, made-up verbs)
# would reach the upstream carrying cco's own key for no purpose; OPTIONS is answered by cco itself.
FORWARDED_METHODS = frozenset({"GET", "HEAD", "POST", "DELETE"})
MAX_MODEL_LENGTH = 256
# orjson reads 1024 levels of nesting but writes only 254: a deeper body could be neither keyed, translated nor
# re-encoded, and no real request nests that deep. Counting brackets first keeps the check free for normal bodies.
MAX_JSON_DEPTH = 254


def new_request_id() -> str:
    return "cco_" + secrets.token_hex(12)


class ClientGone(Exception):
    """The client disconnected before its request body arrived: there is no one to answer."""


async def read_incoming(
    scope: Scope, receive: Receive, max_body_bytes: int, started: float, body_timeout_s: float = 60.0
) -> Incoming:
    if scope["method"] not in FORWARDED_METHODS:
        raise ProxyError(405, f"method {scope['method'][:32]!r} is not allowed on {scope['path'][:200]}")
    if scope["path"] in MODEL_ENDPOINTS and scope["method"] != "POST":
        raise ProxyError(405, f"{scope['method']} is not allowed on {scope['path']}; use POST")
    headers: list[tuple[bytes, bytes]] = list(scope["headers"])
    check_declared_length(headers, max_body_bytes)
    body = await read_body_within(receive, max_body_bytes, body_timeout_s)
    decoded = await decoded_body(scope["path"] in MODEL_ENDPOINTS, headers, body, max_body_bytes)
    return Incoming(
        request_id=new_request_id(),
        method=scope["method"],
        path=scope["path"],
        query=scope["query_string"],
        raw_path=checked_raw_path(scope),
        headers=headers,
        body=body,
        payload=parse_payload(scope["path"], headers, body if decoded is None else decoded),
        remote_addr=(scope.get("client") or ("", 0))[0],
        t0=started,
        started_at=time.time(),
        decoded=decoded,
    )


async def read_body_within(receive: Receive, limit: int, timeout_s: float) -> bytes:
    """`read_body`, bounded in time: a client that stalls mid-body must not hold a connection forever."""
    try:
        async with asyncio.timeout(timeout_s):
            return await read_body(receive, limit)
    except TimeoutError:
        raise ProxyError(408, f"request body not received within {timeout_s:g} s", "timeout_error") from None


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, refusing it as soon as it outgrows the limit (a chunked body has no declared length)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ProxyError(413, f"request body exceeds the {limit}-byte limit", "request_too_large")
        parts.append(chunk)
        if not message.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)


def checked_raw_path(scope: Scope) -> bytes:
    """The path as sent, so `%2F` or `%3F` reach the upstream as the client meant them; `..` segments are refused
    because they would climb out of the configured endpoint's base path."""
    if ".." in scope["path"].split("/"):
        raise ProxyError(400, "path must not contain '..' segments")
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw


def check_declared_length(headers: list[tuple[bytes, bytes]], limit: int) -> None:
    declared = header_value(headers, b"content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProxyError(413, f"request body of {declared} bytes exceeds the {limit}-byte limit", "request_too_large")


def parse_payload(path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any] | None:
    """Messages endpoints must carry a JSON object with a model; elsewhere parsing is best-effort."""
    strict = path in MODEL_ENDPOINTS
    content_type = header_value(headers, b"content-type") or ""
    if strict and not body:
        raise ProxyError(400, "request body is required (a JSON object with model and messages)")
    if strict and "json" not in content_type.lower():
        raise ProxyError(400, f"Content-Type must be application/json, got {content_type or 'none'!r}")
    if not body or "json" not in content_type.lower():
        return None
    payload = load_json(body) if strict else try_load_json(body)
    if strict:
        check_model(payload.get("model") if payload else None)
        if payload is not None:
            check_depth(body, payload)
    return payload


def check_depth(body: bytes, payload: dict[str, Any]) -> None:
    if body.count(b"[") + body.count(b"{") < MAX_JSON_DEPTH:
        return
    try:
        orjson.dumps(payload)
    except orjson.JSONEncodeError:
        raise ProxyError(400, f"request body nests JSON deeper than {MAX_JSON_DEPTH} levels") from None


def check_model(model: object) -> None:
    """A model name travels on in headers and logs: it must be a plain printable string."""
    if not isinstance(model, str) or not model:
        raise ProxyError(400, "model: field required (a string naming the model)")
    if not model.isprintable() or len(model) > MAX_MODEL_LENGTH:
        raise ProxyError(400, "model: must be printable text of at most 256 characters")


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
