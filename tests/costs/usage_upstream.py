"""A fake Anthropic upstream on real HTTP that streams a fixed answer reporting a chosen usage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from quart import Quart, Response, request


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _events(model: str, usage: dict[str, Any]) -> list[str]:
    start_usage = {**usage, "output_tokens": 1}
    message: dict[str, Any] = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    text_block = {"type": "text", "text": ""}
    text_delta = {"type": "text_delta", "text": "hello"}
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    return [
        _event("message_start", {"type": "message_start", "message": message}),
        _event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": text_block}),
        _event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": text_delta}),
        _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _event("message_delta", {"type": "message_delta", "usage": usage, "delta": stop}),
        _event("message_stop", {"type": "message_stop"}),
    ]


def usage_upstream(usage: dict[str, Any], calls: list[str]) -> Quart:
    """Every /v1/messages call streams `usage`; the requested model ids are appended to `calls`."""
    app = Quart(__name__)

    @app.route("/", methods=["GET", "HEAD"])
    async def probe() -> str:
        return ""

    @app.post("/v1/messages")
    async def messages() -> Response:
        body = await request.get_json()
        calls.append(body["model"])

        async def stream() -> AsyncIterator[str]:
            for event in _events(body["model"], usage):
                yield event

        return Response(stream(), content_type="text/event-stream")

    return app
