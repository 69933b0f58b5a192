"""The stream translator's behaviour around the golden paths: when it closes, odd servers, the byte-level
helper, and failures after the stream started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import orjson
import pytest

from cco_tui.providers.openai_translate import ChatStreamTranslator, translate_sse
from cco_tui.wire.sse import SSEEvent
from tests.translation.anthropic_check import parse_sse, sdk_accumulate
from tests.translation.anthropic_replay import ReplayClient
from tests.translation.golden import (
    MESSAGE_ID,
    MODEL,
    call_args,
    call_head,
    chunk,
    content,
    json_delta,
    message_delta,
    message_stop,
    usage_chunk,
)


def translator(**options: Any) -> ChatStreamTranslator:
    return ChatStreamTranslator(MODEL, {}, MESSAGE_ID, **options)


def names(raw: bytes) -> list[str]:
    return [name for name, _ in parse_sse(raw)]


def run(chunks: list[dict[str, Any]], **options: Any) -> bytes:
    t = translator(**options)
    return b"".join(t.feed(c) for c in chunks) + t.finish()


# -- when the message closes -----------------------------------------------------------------------------


def test_message_delta_waits_for_the_usage_chunk_after_the_finish_reason() -> None:
    t = translator()
    head = t.feed(content("hi")) + t.feed(chunk({}, "stop"))
    assert "message_delta" not in names(head) and t.complete and not t.done
    tail = t.feed(usage_chunk(10, 2))
    assert parse_sse(tail)[-2:] == [message_delta("end_turn", 10, 2), message_stop()]
    assert t.done and t.finish() == b"" and t.feed(content("late")) == b""


def test_usage_in_the_finish_chunk_is_sent_at_finish() -> None:
    t = translator()
    finish_chunk = {**chunk({}, "stop"), "usage": {"prompt_tokens": 4, "completion_tokens": 1}}
    early = t.feed(content("ok")) + t.feed(finish_chunk)
    assert "message_delta" not in names(early)
    assert parse_sse(t.finish())[-2:] == [message_delta("end_turn", 4, 1), message_stop()]


def test_usage_on_every_chunk_keeps_the_last_one() -> None:
    with_usage = [
        {**content("a"), "usage": {"prompt_tokens": 9, "completion_tokens": 1}},
        {**chunk({}, "stop"), "usage": {"prompt_tokens": 9, "completion_tokens": 2}},
        usage_chunk(9, 3),
    ]
    assert parse_sse(run(with_usage))[-2] == message_delta("end_turn", 9, 3)


def test_message_start_comes_first_even_from_an_empty_chunk() -> None:
    t = translator()
    assert names(t.start()) == ["message_start"]
    assert t.start() == b""
    assert names(t.feed(chunk({"role": "assistant"}))) == []


def test_finish_without_any_chunk_is_a_complete_empty_message(replay: ReplayClient) -> None:
    raw = translator().finish()
    assert names(raw) == ["message_start", "message_delta", "message_stop"]
    message, _ = replay.stream(raw)
    assert message.content == [] and message.stop_reason == "end_turn"


def test_without_upstream_usage_output_is_estimated_and_input_falls_back() -> None:
    t = translator(fallback_input_tokens=321)
    t.feed(content("x" * 40))
    last_delta = parse_sse(t.finish())[-2]
    assert last_delta == message_delta("end_turn", 321, 10)
    assert not t.usage_reported


# -- odd servers -----------------------------------------------------------------------------------------


def test_tool_calls_without_index_are_told_apart_by_id() -> None:
    calls = [{"id": f"call_{n}", "type": "function", "function": {"name": "Bash", "arguments": "{}"}} for n in (0, 1)]
    message = sdk_accumulate(run([chunk({"tool_calls": calls}), chunk({}, "stop")]))
    assert [b.id for b in message.content if b.type == "tool_use"] == ["call_0", "call_1"]


def test_a_tool_name_that_arrives_late_opens_the_block_then_with_all_arguments() -> None:
    nameless = chunk({"tool_calls": [{"index": 0, "id": "c", "function": {"arguments": '{"a"'}}]})
    named = chunk({"tool_calls": [{"index": 0, "function": {"name": "Calc", "arguments": ": 1}"}}]})
    message = sdk_accumulate(run([nameless, named, chunk({}, "tool_calls")]))
    assert [(b.name, b.input) for b in message.content if b.type == "tool_use"] == [("Calc", {"a": 1})]


def test_a_tool_call_that_never_gets_a_name_is_left_out() -> None:
    nameless = chunk({"tool_calls": [{"index": 0, "id": "c", "function": {"arguments": "{}"}}]})
    raw = run([content("hi"), nameless, chunk({}, "tool_calls")])
    assert "tool_use" not in raw.decode()
    assert sdk_accumulate(raw).stop_reason == "end_turn"


def test_arguments_sent_as_an_object_are_serialised() -> None:
    call = {"index": 0, "id": "c", "function": {"name": "Bash", "arguments": {"command": "ls"}}}
    message = sdk_accumulate(run([chunk({"tool_calls": [call]}), chunk({}, "stop")]))
    assert message.content[0].type == "tool_use" and message.content[0].input == {"command": "ls"}


def test_a_final_resend_of_the_complete_arguments_is_dropped() -> None:
    pieces = [call_head(0, "c", "Bash"), call_args(0, '{"a":'), call_args(0, " 1}"), call_args(0, '{"a": 1}')]
    raw = run([*pieces, chunk({}, "tool_calls")])
    assert [e for e in parse_sse(raw) if e[0] == "content_block_delta"] == [
        json_delta(0, '{"a":'),
        json_delta(0, " 1}"),
    ]


def test_a_later_piece_repeating_the_text_so_far_is_not_taken_for_a_snapshot() -> None:
    pieces = [call_head(0, "c", "Nest"), call_args(0, '{"k"'), call_args(0, ": "), call_args(0, '{"k": 1}}')]
    message = sdk_accumulate(run([*pieces, chunk({}, "tool_calls")]))
    assert message.content[0].type == "tool_use" and message.content[0].input == {"k": {"k": 1}}


def test_interleaved_arguments_of_parallel_calls_are_not_lost() -> None:
    raw = run(
        [
            call_head(0, "a", "Read"),
            call_head(1, "b", "Read"),
            call_args(0, '{"p": 0}'),
            call_args(1, '{"p": 1}'),
            chunk({}, "tool_calls"),
        ]
    )
    message = sdk_accumulate(raw)
    assert [b.input for b in message.content if b.type == "tool_use"] == [{"p": 0}, {"p": 1}]


def test_only_the_first_choice_is_translated_and_refusals_are_text() -> None:
    second = {"choices": [{"index": 1, "delta": {"content": "other"}, "finish_reason": None}]}
    refusal = chunk({"refusal": "I can't."}, "content_filter")
    message = sdk_accumulate(run([second, refusal]))
    assert message.content[0].type == "text" and message.content[0].text == "I can't."
    assert message.stop_reason == "refusal"


def test_length_after_a_tool_call_is_max_tokens() -> None:
    raw = run([call_head(0, "c", "Bash", '{"command": "l'), chunk({}, "length")])
    assert parse_sse(raw)[-2][1]["delta"]["stop_reason"] == "max_tokens"


# -- SSE events and the byte-level helper ----------------------------------------------------------------


def test_done_marker_is_ignored_but_marks_the_stream_complete() -> None:
    t = translator()
    assert t.feed_event(SSEEvent("message", "[DONE]")) == b""
    assert t.complete and not t.done


def test_non_json_data_and_non_objects_are_ignored() -> None:
    t = translator()
    assert t.feed_event(SSEEvent("message", "not json")) == b""
    assert t.feed_event(SSEEvent("message", "[1, 2]")) == b""
    assert not t.complete


def test_an_error_payload_mid_stream_becomes_an_error_event() -> None:
    t = translator()
    t.feed(content("partial"))
    raw = t.feed_event(SSEEvent("message", '{"error": {"message": "model crashed"}}'))
    assert parse_sse(raw) == [("error", {"type": "error", "error": {"type": "api_error", "message": "model crashed"}})]
    assert t.done and t.finish() == b""


def openai_bytes(chunks: list[dict[str, Any]], done: bool = True) -> bytes:
    frames = b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks)
    return frames + (b"data: [DONE]\n\n" if done else b"")


async def pieces(raw: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([part async for part in stream])


@pytest.mark.parametrize("split", [1, 7, 64, 100_000])
async def test_translate_sse_is_independent_of_how_bytes_are_split(split: int) -> None:
    chunks = [
        content("Hi "),
        call_head(0, "c", "Bash"),
        call_args(0, '{"command": "ls"}'),
        chunk({}, "tool_calls"),
        usage_chunk(8, 4),
    ]
    translated = await collect(translate_sse(pieces(openai_bytes(chunks), split), translator()))
    assert translated == run(chunks)


async def test_translate_sse_finishes_after_done_without_usage() -> None:
    raw = openai_bytes([content("x"), chunk({}, "stop")])
    translated = await collect(translate_sse(pieces(raw, 5), translator()))
    assert names(translated)[-2:] == ["message_delta", "message_stop"]


async def test_translate_sse_without_a_blank_line_at_the_end_still_finishes() -> None:
    raw = openai_bytes([content("x"), chunk({}, "stop")]).rstrip(b"\n")
    translated = await collect(translate_sse(pieces(raw, 1000), translator()))
    assert names(translated)[-1] == "message_stop"


async def test_a_stream_that_breaks_off_ends_with_an_error_event(replay: ReplayClient) -> None:
    raw = openai_bytes([content("half an ans")], done=False)
    translated = await collect(translate_sse(pieces(raw, 10), translator()))
    assert names(translated)[-1] == "error"
    with pytest.raises(anthropic.APIStatusError, match="ended before the answer was complete"):
        replay.stream(translated)


def test_abort_after_start_is_an_error_the_sdk_raises(replay: ReplayClient) -> None:
    t = translator()
    raw = t.feed(content("partial")) + t.abort("upstream timed out", "timeout_error")
    assert parse_sse(raw)[-1] == (
        "error",
        {"type": "error", "error": {"type": "timeout_error", "message": "upstream timed out"}},
    )
    with pytest.raises(anthropic.APIStatusError, match="upstream timed out"):
        replay.stream(raw)
    assert t.abort("again") == b""
