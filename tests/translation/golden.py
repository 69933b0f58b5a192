"""Builders for expected Anthropic stream events, so golden sequences read like the protocol."""

from __future__ import annotations

from typing import Any

from tests.translation.anthropic_check import Event

MODEL = "gpt-4o"
MESSAGE_ID = "msg_golden"
ZERO_USAGE = {"input_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0}


def message_start() -> Event:
    message: dict[str, Any] = {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": ZERO_USAGE,
    }
    return ("message_start", {"type": "message_start", "message": message})


def text_start(index: int) -> Event:
    return _block_start(index, {"type": "text", "text": ""})


def tool_start(index: int, tool_id: str, name: str) -> Event:
    return _block_start(index, {"type": "tool_use", "id": tool_id, "name": name, "input": {}})


def text(index: int, value: str) -> Event:
    return _delta(index, {"type": "text_delta", "text": value})


def json_delta(index: int, partial: str) -> Event:
    return _delta(index, {"type": "input_json_delta", "partial_json": partial})


def block_stop(index: int) -> Event:
    return ("content_block_stop", {"type": "content_block_stop", "index": index})


def message_delta(stop_reason: str, input_tokens: int, output_tokens: int, cached: int = 0) -> Event:
    usage = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": output_tokens,
    }
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    return ("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})


def message_stop() -> Event:
    return ("message_stop", {"type": "message_stop"})


def _block_start(index: int, block: dict[str, Any]) -> Event:
    return ("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})


def _delta(index: int, delta: dict[str, Any]) -> Event:
    return ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


# -- OpenAI chunks ---------------------------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish_reason: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta or {}, "finish_reason": finish_reason}
    return {"id": "chatcmpl-g", "object": "chat.completion.chunk", "created": 1, "model": MODEL, "choices": [choice]}


def content(value: str, finish_reason: str | None = None) -> dict[str, Any]:
    return chunk({"content": value}, finish_reason)


def call_head(index: int, call_id: str, name: str, arguments: str = "") -> dict[str, Any]:
    function = {"name": name, "arguments": arguments}
    call = {"index": index, "id": call_id, "type": "function", "function": function}
    return chunk({"tool_calls": [call]})


def call_args(index: int, arguments: str) -> dict[str, Any]:
    return chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})


def usage_chunk(prompt: int, completion: int, cached: int | None = None) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return {
        "id": "chatcmpl-g",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [],
        "usage": usage,
    }
