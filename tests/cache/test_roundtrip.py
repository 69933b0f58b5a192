"""message_to_sse and sse_to_message are inverse, and message_to_sse frames events as the API does."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from cco_tui.wire.events import message_to_sse, sse_to_message
from cco_tui.wire.sse import SSEParser
from tests.cache import streams


def events_of(raw: bytes) -> list[tuple[str, Any]]:
    parser = SSEParser()
    return [(event.event, event.json()) for event in [*parser.feed(raw), *parser.close()]]


def test_realistic_streams_survive_message_and_back() -> None:
    for raw in (streams.TEXT_STREAM, streams.TOOL_STREAM, streams.THINKING_STREAM):
        message = sse_to_message(raw)
        assert sse_to_message(message_to_sse(message)) == message


def test_event_order_and_framing() -> None:
    message = sse_to_message(streams.TOOL_STREAM)
    names = [name for name, _ in events_of(message_to_sse(message))]
    assert names == [
        "message_start",
        *["content_block_start", "content_block_delta", "content_block_stop"] * 2,
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events_of(message_to_sse(message)))


def test_start_carries_input_usage_and_delta_carries_the_rest() -> None:
    message = sse_to_message(streams.TEXT_STREAM)
    events = dict(events_of(message_to_sse(message)))
    start = events["message_start"]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["usage"] == {**streams.TEXT_USAGE, "output_tokens": 0}
    assert events["message_delta"]["usage"] == streams.TEXT_USAGE
    assert events["message_delta"]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}


def test_tool_input_and_thinking_are_sent_as_deltas() -> None:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls -la"}}
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig=="}
    message = {**sse_to_message(streams.TEXT_STREAM), "content": [thinking, tool]}
    deltas = [data["delta"] for name, data in events_of(message_to_sse(message)) if name == "content_block_delta"]
    assert deltas == [
        {"type": "thinking_delta", "thinking": "hmm"},
        {"type": "signature_delta", "signature": "sig=="},
        {"type": "input_json_delta", "partial_json": '{"command":"ls -la"}'},
    ]
    events = events_of(message_to_sse(message))
    starts = [data["content_block"] for name, data in events if name == "content_block_start"]
    assert starts == [{**thinking, "thinking": "", "signature": ""}, {**tool, "input": {}}]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
blocks = st.one_of(
    st.builds(lambda text: {"type": "text", "text": text}, st.text()),
    st.builds(
        lambda name, tool_input: {"type": "tool_use", "id": "toolu_x", "name": name, "input": tool_input},
        st.text(min_size=1, max_size=20),
        st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    ),
    st.builds(
        lambda text, sig: {"type": "thinking", "thinking": text, "signature": sig},
        st.text(),
        st.text(alphabet="abcdefABCDEF0123456789+/=", min_size=1),
    ),
    st.builds(lambda data: {"type": "redacted_thinking", "data": data}, st.text(min_size=1)),
)


@settings(max_examples=150, deadline=None)
@given(
    content=st.lists(blocks, max_size=5),
    stop_reason=st.sampled_from(["end_turn", "max_tokens", "tool_use", "stop_sequence", "refusal"]),
    output_tokens=st.integers(0, 128_000),
)
def test_any_message_round_trips(content: list[dict[str, Any]], stop_reason: str, output_tokens: int) -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-5",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": "\n\nHuman:" if stop_reason == "stop_sequence" else None,
        "usage": {"input_tokens": 3, "cache_read_input_tokens": 7, "output_tokens": output_tokens},
    }
    raw = message_to_sse(message)
    assert sse_to_message(raw) == message
    assert orjson.loads(orjson.dumps(sse_to_message(raw))) == message


def test_a_long_stream_converts_whole() -> None:
    words = [f"word{i} " for i in range(5000)]
    raw = streams.sse(
        streams.start(),
        streams.block_start(0, {"type": "text", "text": ""}),
        *(streams.delta(0, type="text_delta", text=word) for word in words),
        streams.block_stop(0),
        streams.message_delta("end_turn", {"output_tokens": 5000}),
        streams.STOP,
    )
    assert len(raw) > 100_000
    assert sse_to_message(raw)["content"] == [{"type": "text", "text": "".join(words)}]
