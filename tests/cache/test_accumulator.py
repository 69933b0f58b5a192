"""MessageAccumulator on realistic streams, fed as events and as arbitrarily split bytes."""

from __future__ import annotations

import pytest

from cco_tui.wire.events import MessageAccumulator, sse_to_message
from cco_tui.wire.sse import SSEParser
from tests.cache import streams
from tests.cache.streams import sse


def fed_by_bytes(raw: bytes, chunk_size: int = 7) -> MessageAccumulator:
    accumulator = MessageAccumulator()
    for chunk in streams.chunks_of(raw, chunk_size):
        accumulator.feed_bytes(chunk)
    accumulator.close()
    return accumulator


def fed_by_events(raw: bytes) -> MessageAccumulator:
    accumulator = MessageAccumulator()
    parser = SSEParser()
    for event in [*parser.feed(raw), *parser.close()]:
        accumulator.feed(event)
    return accumulator


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 100_000])
def test_text_stream_whatever_the_chunking(chunk_size: int) -> None:
    accumulator = fed_by_bytes(streams.TEXT_STREAM, chunk_size)
    assert accumulator.completed
    assert accumulator.error is None
    assert accumulator.model == streams.MODEL
    assert accumulator.stop_reason == "end_turn"
    assert accumulator.usage == streams.TEXT_USAGE
    message = accumulator.message()
    assert message["content"] == [{"type": "text", "text": streams.TEXT}]
    assert message["id"] == "msg_01XFDUDYJgAACzvnptvVoYEL"
    assert (message["stop_reason"], message["stop_sequence"]) == ("end_turn", None)


def test_fed_as_events_equals_fed_as_bytes() -> None:
    for raw in (streams.TEXT_STREAM, streams.TOOL_STREAM, streams.THINKING_STREAM):
        assert fed_by_events(raw).message() == fed_by_bytes(raw).message()


def test_tool_use_input_is_parsed_from_its_fragments() -> None:
    accumulator = fed_by_bytes(streams.TOOL_STREAM)
    assert accumulator.completed
    assert accumulator.stop_reason == "tool_use"
    text, tool = accumulator.message()["content"]
    assert text == {"type": "text", "text": "Okay, let's check the weather."}
    assert tool == {
        "type": "tool_use",
        "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "name": "get_weather",
        "input": streams.TOOL_INPUT,
    }


def test_thinking_keeps_its_signature_and_unknown_blocks_are_kept_whole() -> None:
    content = fed_by_bytes(streams.THINKING_STREAM).message()["content"]
    assert content == [
        {"type": "thinking", "thinking": streams.THINKING_TEXT, "signature": streams.SIGNATURE},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
        {"type": "text", "text": "27 * 453 = 12,231"},
    ]


def test_usage_merges_start_input_with_cumulative_delta_output() -> None:
    raw = sse(
        streams.start({"input_tokens": 472, "cache_read_input_tokens": 9000, "output_tokens": 2}),
        streams.block_start(0, {"type": "text", "text": ""}),
        streams.delta(0, type="text_delta", text="a"),
        streams.message_delta("max_tokens", {"output_tokens": 10, "input_tokens": None}),
        streams.message_delta("max_tokens", {"output_tokens": 44}),  # cumulative: replaces 10, never adds
        streams.STOP,
    )
    accumulator = fed_by_bytes(raw)
    assert accumulator.usage == {"input_tokens": 472, "cache_read_input_tokens": 9000, "output_tokens": 44}
    assert accumulator.message()["usage"] == accumulator.usage
    assert accumulator.stop_reason == "max_tokens"


def test_error_event_means_not_completed() -> None:
    accumulator = fed_by_bytes(streams.ERROR_STREAM)
    assert not accumulator.completed
    assert accumulator.error == {"type": "overloaded_error", "message": "Overloaded"}


def test_error_event_after_message_stop_still_means_not_completed() -> None:
    accumulator = fed_by_bytes(streams.TEXT_STREAM + sse(("error", {"type": "error", "error": {"type": "api_error"}})))
    assert not accumulator.completed


def test_truncated_stream_is_not_completed_but_keeps_what_arrived() -> None:
    accumulator = fed_by_bytes(streams.TRUNCATED_STREAM)
    assert not accumulator.completed
    assert accumulator.error is None
    assert accumulator.stop_reason is None
    assert accumulator.message()["content"][1]["input"] == streams.TOOL_INPUT
    with pytest.raises(ValueError, match="did not complete"):
        sse_to_message(streams.TRUNCATED_STREAM)


def test_stream_cut_inside_tool_input_still_builds_a_message() -> None:
    raw = streams.TOOL_STREAM[
        : streams.TOOL_STREAM.index(b"event: content_block_delta", streams.TOOL_STREAM.index(b"renheit"))
    ]
    accumulator = fed_by_bytes(raw)
    assert not accumulator.completed
    assert accumulator.message()["content"][1]["input"] == {}  # unparseable fragments: the start's input


def test_malformed_event_marks_the_stream_incomplete_without_raising() -> None:
    broken = streams.TEXT_STREAM.replace(b'"text":"Hello"}', b'"text":"Hel', 1)
    accumulator = fed_by_bytes(broken)
    assert not accumulator.completed


def test_no_message_start_means_no_message() -> None:
    accumulator = fed_by_bytes(sse(streams.PING, streams.STOP))
    assert not accumulator.completed
    assert accumulator.model is None
    with pytest.raises(ValueError, match="message_start"):
        accumulator.message()


def test_unknown_events_and_delta_types_are_tolerated() -> None:
    raw = streams.TEXT_STREAM.replace(
        b"event: content_block_stop",
        b'event: future_event\ndata: {"type":"future_event","x":1}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"future_delta","x":1}}\n\nevent: content_block_stop',
        1,
    )
    accumulator = fed_by_bytes(raw)
    assert accumulator.completed
    assert accumulator.message()["content"] == [{"type": "text", "text": streams.TEXT}]


def test_citations_deltas_are_collected_on_their_text_block() -> None:
    citation = {"type": "char_location", "cited_text": "grass is green", "document_index": 0}
    raw = sse(
        streams.start(),
        streams.block_start(0, {"type": "text", "text": "", "citations": []}),
        streams.delta(0, type="citations_delta", citation=citation),
        streams.delta(0, type="text_delta", text="the grass is green"),
        streams.block_stop(0),
        streams.message_delta("end_turn", {"output_tokens": 5}),
        streams.STOP,
    )
    block = fed_by_bytes(raw).message()["content"][0]
    assert block == {"type": "text", "text": "the grass is green", "citations": [citation]}


def test_message_delta_extra_fields_reach_the_message() -> None:
    raw = streams.TEXT_STREAM.replace(
        b'"stop_sequence":null},', b'"stop_sequence":null,"container":{"id":"c_1","expires_at":"x"}},', 1
    )
    assert fed_by_bytes(raw).message()["container"] == {"id": "c_1", "expires_at": "x"}
