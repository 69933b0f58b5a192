"""Golden sequences: OpenAI stream chunks in, the exact Anthropic events out, and the real anthropic SDK
(over HTTP, and its accumulation code on validated events) reading the result."""

from __future__ import annotations

from typing import Any

from anthropic.types import Message

from cco_tui.providers.openai_translate import ChatStreamTranslator, openai_tool_name
from tests.translation.anthropic_check import parse_sse, sdk_accumulate
from tests.translation.anthropic_replay import ReplayClient
from tests.translation.golden import (
    MESSAGE_ID,
    MODEL,
    block_stop,
    call_args,
    call_head,
    chunk,
    content,
    json_delta,
    message_delta,
    message_start,
    message_stop,
    text,
    text_start,
    tool_start,
    usage_chunk,
)
from tests.translation.samples import LONG_MCP_NAME

ROLE = chunk({"role": "assistant", "content": ""})
ROLE_NO_CONTENT = chunk({"role": "assistant", "content": None})


def translate(chunks: list[dict[str, Any]], name_map: dict[str, str] | None = None) -> bytes:
    translator = ChatStreamTranslator(MODEL, name_map or {}, MESSAGE_ID)
    return b"".join(translator.feed(c) for c in chunks) + translator.finish()


def read_back(raw: bytes, replay: ReplayClient) -> Message:
    """The SDK's message over HTTP; the SDK's accumulation of validated events must agree with it."""
    message, seen = replay.stream(raw)
    assert seen[0] == "message_start" and seen[-1] == "message_stop"
    assert sdk_accumulate(raw).model_dump() == message.model_dump()
    return message


def tool_inputs(message: Message) -> list[tuple[str, str, Any]]:
    return [(b.id, b.name, b.input) for b in message.content if b.type == "tool_use"]


def test_text(replay: ReplayClient) -> None:
    raw = translate([ROLE, content("Hel"), content("lo!"), chunk({}, "stop"), usage_chunk(12, 3)])
    assert parse_sse(raw) == [
        message_start(),
        text_start(0),
        text(0, "Hel"),
        text(0, "lo!"),
        block_stop(0),
        message_delta("end_turn", 12, 3),
        message_stop(),
    ]
    message = read_back(raw, replay)
    assert message.content[0].type == "text" and message.content[0].text == "Hello!"
    usage = message.usage
    assert (message.stop_reason, usage.input_tokens, usage.output_tokens) == ("end_turn", 12, 3)


def test_one_tool_call(replay: ReplayClient) -> None:
    raw = translate(
        [
            ROLE_NO_CONTENT,
            call_head(0, "call_1", "Bash"),
            call_args(0, '{"comm'),
            call_args(0, 'and": "ls"}'),
            chunk({}, "tool_calls"),
            usage_chunk(30, 9),
        ]
    )
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_1", "Bash"),
        json_delta(0, '{"comm'),
        json_delta(0, 'and": "ls"}'),
        block_stop(0),
        message_delta("tool_use", 30, 9),
        message_stop(),
    ]
    message = read_back(raw, replay)
    assert tool_inputs(message) == [("call_1", "Bash", {"command": "ls"})]
    assert message.stop_reason == "tool_use"


def test_two_parallel_tool_calls(replay: ReplayClient) -> None:
    raw = translate(
        [
            ROLE,
            content("Checking both."),
            call_head(0, "call_a", "Read"),
            call_args(0, '{"path": '),
            call_args(0, '"a.py"}'),
            call_head(1, "call_b", "Read"),
            call_args(1, '{"path": '),
            call_args(1, '"b.py"}'),
            chunk({}, "tool_calls"),
            usage_chunk(40, 20),
        ]
    )
    assert parse_sse(raw) == [
        message_start(),
        text_start(0),
        text(0, "Checking both."),
        block_stop(0),
        tool_start(1, "call_a", "Read"),
        json_delta(1, '{"path": '),
        json_delta(1, '"a.py"}'),
        block_stop(1),
        tool_start(2, "call_b", "Read"),
        json_delta(2, '{"path": '),
        json_delta(2, '"b.py"}'),
        block_stop(2),
        message_delta("tool_use", 40, 20),
        message_stop(),
    ]
    assert tool_inputs(read_back(raw, replay)) == [
        ("call_a", "Read", {"path": "a.py"}),
        ("call_b", "Read", {"path": "b.py"}),
    ]


def test_arguments_whole_in_the_first_chunk(replay: ReplayClient) -> None:
    raw = translate([call_head(0, "call_w", "Bash", '{"command": "pwd"}'), chunk({}, "tool_calls"), usage_chunk(5, 5)])
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_w", "Bash"),
        json_delta(0, '{"command": "pwd"}'),
        block_stop(0),
        message_delta("tool_use", 5, 5),
        message_stop(),
    ]
    assert tool_inputs(read_back(raw, replay)) == [("call_w", "Bash", {"command": "pwd"})]


def test_arguments_in_many_small_fragments(replay: ReplayClient) -> None:
    pieces = ["", "{", '"', "path", '":', ' "', "/tmp/", "x y", '"', "}"]
    raw = translate(
        [call_head(0, "call_f", "Read"), *[call_args(0, p) for p in pieces], chunk({}, "tool_calls"), usage_chunk(5, 5)]
    )
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_f", "Read"),
        *[json_delta(0, p) for p in pieces if p],
        block_stop(0),
        message_delta("tool_use", 5, 5),
        message_stop(),
    ]
    assert tool_inputs(read_back(raw, replay)) == [("call_f", "Read", {"path": "/tmp/x y"})]


def test_several_calls_in_one_chunk(replay: ReplayClient) -> None:
    calls = [
        {
            "index": n,
            "id": f"call_{n}",
            "type": "function",
            "function": {"name": "Bash", "arguments": f'{{"command": "echo {n}"}}'},
        }
        for n in (0, 1)
    ]
    raw = translate([chunk({"role": "assistant", "tool_calls": calls}), chunk({}, "tool_calls"), usage_chunk(9, 9)])
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_0", "Bash"),
        json_delta(0, '{"command": "echo 0"}'),
        block_stop(0),
        tool_start(1, "call_1", "Bash"),
        json_delta(1, '{"command": "echo 1"}'),
        block_stop(1),
        message_delta("tool_use", 9, 9),
        message_stop(),
    ]
    assert tool_inputs(read_back(raw, replay)) == [
        ("call_0", "Bash", {"command": "echo 0"}),
        ("call_1", "Bash", {"command": "echo 1"}),
    ]


def test_content_and_finish_reason_in_one_chunk(replay: ReplayClient) -> None:
    raw = translate([ROLE, content("Hello, "), content("world.", "stop"), usage_chunk(7, 2)])
    assert parse_sse(raw) == [
        message_start(),
        text_start(0),
        text(0, "Hello, "),
        text(0, "world."),
        block_stop(0),
        message_delta("end_turn", 7, 2),
        message_stop(),
    ]
    message = read_back(raw, replay)
    assert message.content[0].type == "text" and message.content[0].text == "Hello, world."


def test_ollama_stop_after_a_tool_call_means_tool_use(replay: ReplayClient) -> None:
    ollama_call = {
        "id": "call_x",
        "index": 0,
        "type": "function",
        "function": {"name": "Bash", "arguments": '{"command":"ls"}'},
    }
    raw = translate(
        [
            chunk({"role": "assistant", "content": "", "tool_calls": [ollama_call]}),
            chunk({"role": "assistant", "content": ""}, "stop"),
            usage_chunk(15, 6),
        ]
    )
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_x", "Bash"),
        json_delta(0, '{"command":"ls"}'),
        block_stop(0),
        message_delta("tool_use", 15, 6),
        message_stop(),
    ]
    assert read_back(raw, replay).stop_reason == "tool_use"


def test_usage_with_cached_tokens(replay: ReplayClient) -> None:
    raw = translate([content("cached"), chunk({}, "stop"), usage_chunk(1000, 50, cached=800)])
    assert parse_sse(raw)[-2] == message_delta("end_turn", 200, 50, cached=800)
    usage = read_back(raw, replay).usage
    assert (
        usage.input_tokens,
        usage.cache_read_input_tokens,
        usage.cache_creation_input_tokens,
        usage.output_tokens,
    ) == (200, 800, 0, 50)


def test_cumulative_argument_snapshots_are_sent_as_increments(replay: ReplayClient) -> None:
    raw = translate(
        [
            call_head(0, "call_s", "Read"),
            call_args(0, '{"path"'),
            call_args(0, '{"path": "/tmp"'),
            call_args(0, '{"path": "/tmp"}'),
            chunk({}, "tool_calls"),
            usage_chunk(3, 3),
        ]
    )
    assert parse_sse(raw) == [
        message_start(),
        tool_start(0, "call_s", "Read"),
        json_delta(0, '{"path"'),
        json_delta(0, ': "/tmp"'),
        json_delta(0, "}"),
        block_stop(0),
        message_delta("tool_use", 3, 3),
        message_stop(),
    ]
    assert tool_inputs(read_back(raw, replay)) == [("call_s", "Read", {"path": "/tmp"})]


def test_text_then_tool_then_text_opens_a_block_each(replay: ReplayClient) -> None:
    raw = translate(
        [content("a"), call_head(0, "c", "Bash", "{}"), content("b"), chunk({}, "tool_calls"), usage_chunk(1, 1)]
    )
    assert parse_sse(raw) == [
        message_start(),
        text_start(0),
        text(0, "a"),
        block_stop(0),
        tool_start(1, "c", "Bash"),
        json_delta(1, "{}"),
        block_stop(1),
        text_start(2),
        text(2, "b"),
        block_stop(2),
        message_delta("tool_use", 1, 1),
        message_stop(),
    ]
    assert [block.type for block in read_back(raw, replay).content] == ["text", "tool_use", "text"]


def test_shortened_tool_name_is_mapped_back(replay: ReplayClient) -> None:
    short = openai_tool_name(LONG_MCP_NAME)
    chunks = [call_head(0, "call_m", short, '{"query": "q"}'), chunk({}, "tool_calls"), usage_chunk(1, 1)]
    raw = translate(chunks, {short: LONG_MCP_NAME})
    assert parse_sse(raw)[1] == tool_start(0, "call_m", LONG_MCP_NAME)
    assert tool_inputs(read_back(raw, replay)) == [("call_m", LONG_MCP_NAME, {"query": "q"})]
