"""OpenAI-compatible upstreams (OpenAI, Ollama's /v1/chat/completions, llama.cpp, vLLM, LM Studio).

The client speaks Anthropic Messages; this module translates the request out and the answer (whole or
streamed) back, so what the client receives is always a valid Anthropic response or SSE stream.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from cco_tui.config.routes import Resolved
from cco_tui.providers.http import Timeouts, Upstream, UpstreamResponse
from cco_tui.providers.openai_translate import (
    ChatStreamTranslator,
    UpstreamFormatError,
    estimate_input_tokens,
    from_openai_error,
    to_anthropic_message,
    to_chat_request,
    tool_name_map,
    translate_sse,
)
from cco_tui.wire import content
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.events import message_to_sse
from cco_tui.wire.headers import RawHeaders
from cco_tui.wire.types import Incoming, UpstreamReply

JSON_HEADERS: RawHeaders = [(b"content-type", content.JSON_BYTES)]
SSE_HEADERS: RawHeaders = [
    (b"content-type", content.SSE_BYTES),
    (b"cache-control", b"no-cache"),
]
PASSED_BACK = (
    b"retry-after",
    b"x-request-id",
    b"x-ratelimit-remaining-requests",
    b"x-ratelimit-remaining-tokens",
)


async def send(upstream: Upstream, incoming: Incoming, resolved: Resolved, connect_timeout_s: float) -> UpstreamReply:
    payload = incoming.payload or {}
    if incoming.path == "/v1/messages/count_tokens":
        return answer_json(200, {"input_tokens": estimate_input_tokens(payload)})
    if incoming.path != "/v1/messages":
        raise ProxyError(
            404, f"{incoming.path} is not available for {resolved.route.provider} routes", "not_found_error"
        )
    started = time.perf_counter()
    route = resolved.route
    response = await upstream.open(
        "POST",
        route.endpoint + "/chat/completions",
        auth_headers(route.api_key_env),
        chat_body(incoming, resolved),
        Timeouts(connect_timeout_s, route.timeout_ms / 1000),
    )
    return await translate_reply(response, payload, resolved, incoming.stream, started)


def chat_body(incoming: Incoming, resolved: Resolved) -> bytes:
    route = resolved.route
    chat = to_chat_request(
        incoming.payload or {},
        resolved.upstream_model,
        incoming.stream,
        max_tokens_cap=route.max_tokens,
        token_field=route.token_field,
    )
    return orjson.dumps(chat)


def auth_headers(key_env: str | None) -> RawHeaders:
    """Only the route's own key: the client's Anthropic credential must never reach another provider."""
    headers: RawHeaders = [(b"content-type", content.JSON_BYTES), (b"accept", b"application/json, text/event-stream")]
    key = os.environ.get(key_env) if key_env else None
    if key:
        headers.append((b"authorization", b"Bearer " + key.encode("latin-1")))
    return headers


async def translate_reply(
    response: UpstreamResponse, payload: dict[str, Any], resolved: Resolved, stream: bool, started: float
) -> UpstreamReply:
    headers_at = time.perf_counter()
    status = response.status
    if status < 400 and stream and response.is_event_stream:
        translator = ChatStreamTranslator(
            resolved.requested_model,
            tool_name_map(payload),
            fallback_input_tokens=estimate_input_tokens(payload),
        )
        return UpstreamReply(
            200, list(SSE_HEADERS), None, translated_chunks(response, translator), started, headers_at, response.aclose
        )
    body = await response.read()
    reply = whole_answer(status, body, payload, resolved, stream)
    reply.headers += [(name, value) for name, value in response.headers if name.lower() in PASSED_BACK]
    reply.upstream_started, reply.headers_at = started, headers_at
    return reply


def whole_answer(status: int, body: bytes, payload: dict[str, Any], resolved: Resolved, stream: bool) -> UpstreamReply:
    if status >= 400:
        mapped_status, error = from_openai_error(status, body)
        return answer_json(mapped_status, error)
    try:
        message = to_anthropic_message(orjson.loads(body), resolved.requested_model, tool_name_map(payload))
    except (orjson.JSONDecodeError, UpstreamFormatError, TypeError, AttributeError) as exc:
        raise ProxyError(502, f"upstream sent an answer cco cannot read: {exc}") from None
    if stream:  # a server that ignored stream=true: the client still gets the stream it asked for
        return UpstreamReply(200, list(SSE_HEADERS), None, one_chunk(message_to_sse(message)))
    return answer_json(200, message)


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


def answer_json(status: int, document: dict[str, Any]) -> UpstreamReply:
    return UpstreamReply(status, list(JSON_HEADERS), orjson.dumps(document))


async def translated_chunks(response: UpstreamResponse, translator: ChatStreamTranslator) -> AsyncIterator[bytes]:
    """Translated events as the upstream's chunks arrive; a broken upstream ends the stream with an error."""
    try:
        async for part in translate_sse(response.chunks(), translator):
            yield part
    except ProxyError as error:
        yield translator.abort(error.message, error.error_type)
    finally:
        await response.aclose()
