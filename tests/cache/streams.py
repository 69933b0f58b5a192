"""Realistic Anthropic streams, written out by hand (not made by the code under test)."""

from __future__ import annotations

import json
from typing import Any

MODEL = "claude-sonnet-4-5-20250929"
START_USAGE = {
    "input_tokens": 2095,
    "cache_creation_input_tokens": 1200,
    "cache_read_input_tokens": 15000,
    "cache_creation": {"ephemeral_5m_input_tokens": 1200, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 1,
    "service_tier": "standard",
}

# A text answer exactly as the API frames it, with a ping and a cumulative message_delta usage that repeats
# the input side (as current API versions do).
TEXT_STREAM = (
    b"event: message_start\n"
    b'data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message",'
    b'"role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,'
    b'"stop_sequence":null,"usage":{"input_tokens":2095,"cache_creation_input_tokens":1200,'
    b'"cache_read_input_tokens":15000,"cache_creation":{"ephemeral_5m_input_tokens":1200,'
    b'"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}\n\n'
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
    b"event: ping\n"
    b'data: {"type": "ping"}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n'
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",'
    b'"text":", w\\u00f6rld! \\ud83d\\ude00"}}\n\n'
    b"event: content_block_stop\n"
    b'data: {"type":"content_block_stop","index":0}\n\n'
    b"event: message_delta\n"
    b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
    b'"usage":{"input_tokens":2095,"cache_creation_input_tokens":1200,"cache_read_input_tokens":15000,'
    b'"output_tokens":15}}\n\n'
    b"event: message_stop\n"
    b'data: {"type":"message_stop"}\n\n'
)
TEXT = "Hello, wörld! \U0001f600"
TEXT_USAGE = {**START_USAGE, "output_tokens": 15}


def sse(*events: tuple[str, dict[str, Any]]) -> bytes:
    """Frame (event, data) pairs the way the API does: `event:` line, `data:` line, blank line."""
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


def start(usage: dict[str, Any] | None = None, model: str = MODEL) -> tuple[str, dict[str, Any]]:
    message: dict[str, Any] = {
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": model,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage if usage is not None else {"input_tokens": 472, "output_tokens": 2},
    }
    return "message_start", {"type": "message_start", "message": message}


def block_start(index: int, block: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "content_block_start", {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, **fields: Any) -> tuple[str, dict[str, Any]]:
    return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": fields}


def block_stop(index: int) -> tuple[str, dict[str, Any]]:
    return "content_block_stop", {"type": "content_block_stop", "index": index}


def message_delta(stop_reason: str, usage: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    data = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": usage,
    }
    return "message_delta", data


PING = ("ping", {"type": "ping"})
STOP = ("message_stop", {"type": "message_stop"})

TOOL_INPUT = {"location": "San Francisco, CA", "unit": "fahrenheit", "days": [1, 2]}
TOOL_STREAM = sse(
    start(),
    block_start(0, {"type": "text", "text": ""}),
    delta(0, type="text_delta", text="Okay, let's check the weather."),
    block_stop(0),
    block_start(1, {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": {}}),
    delta(1, type="input_json_delta", partial_json=""),
    delta(1, type="input_json_delta", partial_json='{"location": "San Fra'),
    PING,
    delta(1, type="input_json_delta", partial_json='ncisco, CA", "unit": "fah'),
    delta(1, type="input_json_delta", partial_json='renheit", "days": [1,'),
    delta(1, type="input_json_delta", partial_json=" 2]}"),
    block_stop(1),
    message_delta("tool_use", {"output_tokens": 89}),
    STOP,
)

THINKING_TEXT = "Let me solve this step by step:\n\n1. First break down 27 * 453"
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
THINKING_STREAM = sse(
    start(
        {
            "input_tokens": 120,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        }
    ),
    block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
    delta(0, type="thinking_delta", thinking="Let me solve this step by step:\n\n"),
    delta(0, type="thinking_delta", thinking="1. First break down 27 * 453"),
    delta(0, type="signature_delta", signature=SIGNATURE),
    block_stop(0),
    block_start(1, {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}),
    block_stop(1),
    block_start(2, {"type": "text", "text": ""}),
    delta(2, type="text_delta", text="27 * 453 = 12,231"),
    block_stop(2),
    message_delta("end_turn", {"output_tokens": 260}),
    STOP,
)

ERROR_STREAM = sse(
    start(),
    block_start(0, {"type": "text", "text": ""}),
    delta(0, type="text_delta", text="Partial"),
    ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
)

# Cut after the content, before message_delta and message_stop (a dropped connection).
TRUNCATED_STREAM = TOOL_STREAM[: TOOL_STREAM.index(b"event: message_delta")]


def chunks_of(raw: bytes, size: int) -> list[bytes]:
    """The bytes as a network would split them, ignoring event boundaries."""
    return [raw[i : i + size] for i in range(0, len(raw), size)]
