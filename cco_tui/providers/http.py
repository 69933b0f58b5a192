"""Sending a request upstream and turning transport failures into Anthropic-shaped errors."""

from __future__ import annotations

import httpx

from cco_tui.errors import ProxyError
from cco_tui.routing import Resolved


def timeout_for(resolved: Resolved, connect_timeout_s: float) -> httpx.Timeout:
    return httpx.Timeout(resolved.route.timeout_ms / 1000, connect=connect_timeout_s)


async def open_response(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    try:
        return await client.send(request, stream=True)
    except httpx.TimeoutException:
        raise ProxyError(504, f"upstream {request.url.host} timed out", "timeout_error") from None
    except httpx.HTTPError as exc:
        raise ProxyError(502, f"upstream {request.url.host} unreachable: {type(exc).__name__}") from None


async def read_body(response: httpx.Response) -> bytes:
    try:
        return await response.aread()
    except httpx.TimeoutException:
        raise ProxyError(504, "upstream timed out while sending its answer", "timeout_error") from None
    except httpx.HTTPError as exc:
        raise ProxyError(502, f"upstream connection broke: {type(exc).__name__}") from None
    finally:
        await response.aclose()


def is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")
