"""A fake Anthropic upstream on real HTTP that streams fixed answers reporting chosen usages.

Given several usages it plays a tool loop: every call but the last answers with a Bash `tool_use`, so one run
of Claude Code (`--allowedTools Bash`) makes one call per usage and adds them all up in its total_cost_usd.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from quart import Quart, Response, request


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _content(call: int, last: bool) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(block start, its delta, stop reason): text for the last call, a Bash tool_use before it."""
    if last:
        return {"type": "text", "text": ""}, {"type": "text_delta", "text": "hello"}, "end_turn"
    tool = {"type": "tool_use", "id": f"toolu_oracle_{call}", "name": "Bash", "input": {}}
    arguments = json.dumps({"command": "true", "description": "Do nothing"})
    return tool, {"type": "input_json_delta", "partial_json": arguments}, "tool_use"


def _events(model: str, usage: dict[str, Any], call: int, last: bool) -> list[str]:
    start_usage = {**usage, "output_tokens": 1}
    message: dict[str, Any] = {
        "id": f"msg_fake_{call}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    block, delta, stop_reason = _content(call, last)
    stop = {"stop_reason": stop_reason, "stop_sequence": None}
    return [
        _event("message_start", {"type": "message_start", "message": message}),
        _event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
        _event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _event("message_delta", {"type": "message_delta", "usage": usage, "delta": stop}),
        _event("message_stop", {"type": "message_stop"}),
    ]


def usage_upstream(usages: dict[str, Any] | Sequence[dict[str, Any]], calls: list[tuple[str, dict[str, Any]]]) -> Quart:
    """Call i streams usages[i] (the last one from then on); (model asked for, usage sent) go to `calls`."""
    script = [usages] if isinstance(usages, dict) else list(usages)
    app = Quart(__name__)

    @app.route("/", methods=["GET", "HEAD"])
    async def probe() -> str:
        return ""

    @app.post("/v1/messages")
    async def messages() -> Response:
        body = await request.get_json()
        call = len(calls)
        usage = script[min(call, len(script) - 1)]
        calls.append((body["model"], usage))
        events = _events(body["model"], usage, call, last=call >= len(script) - 1)

        async def stream() -> AsyncIterator[str]:
            for event in events:
                yield event

        return Response(stream(), content_type="text/event-stream")

    return app
