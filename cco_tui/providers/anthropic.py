"""Pass-through to an Anthropic Messages API (api.anthropic.com, or Ollama's native endpoint).

The body goes out as the exact bytes received: unknown fields, cache_control markers and key order survive.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import httpx
import orjson

from cco_tui.errors import ProxyError
from cco_tui.providers.http import is_event_stream, open_response, read_body, timeout_for
from cco_tui.routing import Resolved
from cco_tui.server.exchange import Incoming, UpstreamReply
from cco_tui.server.headers import RawHeaders, has_credential, upstream_headers


def upstream_url(endpoint: str, path: str, query: bytes) -> str:
    """`endpoint` is the API base including /v1; the client's path below /v1 and its query are kept."""
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


async def send(
    client: httpx.AsyncClient, incoming: Incoming, resolved: Resolved, connect_timeout_s: float
) -> UpstreamReply:
    request = client.build_request(
        incoming.method,
        upstream_url(resolved.route.endpoint, incoming.path, incoming.query),
        headers=add_credential(upstream_headers(incoming.headers), resolved.route.api_key_env),
        content=rewrite_model(incoming.body, incoming, resolved) if incoming.body else None,
        timeout=timeout_for(resolved, connect_timeout_s),
    )
    started = time.perf_counter()
    response = await open_response(client, request)
    return await reply_from(response, started)


async def reply_from(response: httpx.Response, started: float) -> UpstreamReply:
    headers_at = time.perf_counter()
    raw_headers = list(response.headers.raw)
    if is_event_stream(response):
        return UpstreamReply(response.status_code, raw_headers, None, relay(response), started, headers_at)
    body = await read_body(response)
    return UpstreamReply(response.status_code, raw_headers, body, None, started, headers_at)


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    """Chunks as they arrive; closing this generator (client gone) closes the upstream connection.

    A failure after the 200 went out can only be reported in-band: it ends the stream with an `error` event,
    never a silent truncation (Claude Code would otherwise wait for a stop_reason that never comes).
    """
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    except httpx.TimeoutException:
        yield ProxyError(504, "upstream stopped sending before the stream ended", "timeout_error").event()
    except httpx.HTTPError as exc:
        yield ProxyError(502, f"upstream stream broke: {type(exc).__name__}", "api_error").event()
    finally:
        await response.aclose()
