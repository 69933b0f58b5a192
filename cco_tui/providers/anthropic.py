"""Pass-through to an Anthropic Messages API (api.anthropic.com, or Ollama's native endpoint).

The body goes out as the exact bytes received: unknown fields, cache_control markers and key order survive.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import orjson

from cco_tui.config.routes import Resolved
from cco_tui.providers.http import Timeouts, Upstream, UpstreamResponse
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import RawHeaders, has_credential, upstream_headers
from cco_tui.wire.types import Incoming, UpstreamReply


def upstream_url(endpoint: str, raw_path: bytes, query: bytes) -> str:
    """`endpoint` is the API base including /v1; the client's path below /v1 (as encoded) and query are kept."""
    path = raw_path.decode("latin-1")
    suffix = path[3:] if path.startswith("/v1") else path
    return endpoint + suffix + ("?" + query.decode("latin-1") if query else "")


def add_credential(headers: RawHeaders, key_env: str | None) -> RawHeaders:
    """Only when the client sent none: the user's own client credential always wins."""
    key = os.environ.get(key_env) if key_env else None
    if key and not has_credential(headers):
        headers.append((b"x-api-key", key.encode("latin-1")))
    return headers


def rewrite_model(body: bytes, incoming: Incoming, resolved: Resolved) -> bytes:
    """Bytes stay untouched unless the route renames the model (e.g. ollama/qwen3 -> qwen3)."""
    if resolved.upstream_model == incoming.model or incoming.payload is None:
        return body
    return orjson.dumps({**incoming.payload, "model": resolved.upstream_model})


async def send(upstream: Upstream, incoming: Incoming, resolved: Resolved, connect_timeout_s: float) -> UpstreamReply:
    started = time.perf_counter()
    headers = upstream_headers(incoming.headers, keep_credentials=resolved.route.provider == "anthropic")
    body = rewrite_model(incoming.body, incoming, resolved) if incoming.body else None
    if body is not incoming.body:  # re-encoded as plain JSON: its Content-Encoding no longer applies
        headers = [(name, value) for name, value in headers if name.lower() != b"content-encoding"]
    response = await upstream.open(
        incoming.method,
        upstream_url(resolved.route.endpoint, incoming.raw_path, incoming.query),
        add_credential(headers, resolved.route.api_key_env),
        body,
        Timeouts(connect_timeout_s, resolved.route.timeout_ms / 1000),
    )
    return await reply_from(response, started)


async def reply_from(response: UpstreamResponse, started: float) -> UpstreamReply:
    headers_at = time.perf_counter()
    if response.is_event_stream:
        return UpstreamReply(
            response.status, response.headers, None, body_chunks(response), started, headers_at, response.aclose
        )
    body = await response.read()
    return UpstreamReply(response.status, response.headers, body, None, started, headers_at)


async def body_chunks(response: UpstreamResponse) -> AsyncIterator[bytes]:
    """Chunks as they arrive; closing this generator (client gone) closes the upstream connection.

    A failure after the 200 went out can only be reported in-band: it ends the stream with an `error` event,
    never a silent truncation (Claude Code would otherwise wait for a stop_reason that never comes).
    """
    try:
        async for chunk in response.chunks():
            yield chunk
    except ProxyError as error:
        yield error.event()
    finally:
        await response.aclose()
