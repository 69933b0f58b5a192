"""A whole chat completion -> an Anthropic message, read back by the real anthropic SDK."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import Message

from cco_tui.providers.openai_translate import (
    UpstreamFormatError,
    openai_tool_name,
    parse_arguments,
    to_anthropic_message,
)
from tests.translation.anthropic_replay import ReplayClient
from tests.translation.samples import LONG_MCP_NAME


def completion(
    message: dict[str, Any], finish_reason: str | None = "stop", usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-2024",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}],
        "usage": usage if usage is not None else {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
    }


def call(name: str, arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def translate(chat: dict[str, Any], name_map: dict[str, str] | None = None) -> dict[str, Any]:
    message = to_anthropic_message(chat, "gpt-4o", name_map or {})
    Message.model_validate(message)
    return message


def test_text_answer(replay: ReplayClient) -> None:
    message = translate(completion({"content": "Hello there."}))
    assert message == {
        "id": "msg_chatcmpl-abc123",
        "type": "message",
        "role": "assistant",
        "model": "gpt-4o",
        "content": [{"type": "text", "text": "Hello there."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 4,
        },
    }
    parsed = replay.message(orjson.dumps(message))
    assert parsed.content[0].type == "text" and parsed.content[0].text == "Hello there."
    assert parsed.usage.input_tokens == 10


def test_tool_calls_become_tool_use_blocks_with_parsed_input(replay: ReplayClient) -> None:
    chat = completion(
        {
            "content": "Running it.",
            "tool_calls": [call("Bash", '{"command": "ls"}'), call("Read", '{"path": "/a"}', "call_2")],
        },
        "tool_calls",
    )
    message = translate(chat)
    assert message["content"] == [
        {"type": "text", "text": "Running it."},
        {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}},
        {"type": "tool_use", "id": "call_2", "name": "Read", "input": {"path": "/a"}},
    ]
    assert message["stop_reason"] == "tool_use"
    parsed = replay.message(orjson.dumps(message))
    assert [block.type for block in parsed.content] == ["text", "tool_use", "tool_use"]


@pytest.mark.parametrize(
    ("finish_reason", "with_tools", "stop_reason"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("tool_calls", True, "tool_use"),
        ("function_call", True, "tool_use"),
        ("content_filter", False, "refusal"),
        (None, False, "end_turn"),
        ("eos", False, "end_turn"),
        ("stop", True, "tool_use"),  # Ollama answers `stop` after tool calls
        (None, True, "tool_use"),
        ("length", True, "max_tokens"),  # the arguments are probably cut off: say so
        ("tool_calls", False, "end_turn"),  # nothing to run: do not make the client wait for a tool
    ],
)
def test_finish_reason_maps_to_stop_reason(finish_reason: str | None, with_tools: bool, stop_reason: str) -> None:
    calls = {"tool_calls": [call("Bash", "{}")]} if with_tools else {}
    assert translate(completion({"content": "x", **calls}, finish_reason))["stop_reason"] == stop_reason


def test_usage_with_cached_tokens() -> None:
    usage = {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 800}}
    assert translate(completion({"content": "x"}, usage=usage))["usage"] == {
        "input_tokens": 200,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 800,
        "output_tokens": 50,
    }


def test_usage_with_deepseek_style_cache_hits_and_missing_usage() -> None:
    deepseek = {"prompt_tokens": 100, "completion_tokens": 5, "prompt_cache_hit_tokens": 60}
    assert translate(completion({"content": "x"}, usage=deepseek))["usage"]["cache_read_input_tokens"] == 60
    bare = completion({"content": "x"})
    del bare["usage"]
    assert translate(bare)["usage"] == {
        "input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 0,
    }


def test_a_shortened_tool_name_maps_back() -> None:
    short = openai_tool_name(LONG_MCP_NAME)
    message = translate(completion({"tool_calls": [call(short, "{}")]}, "tool_calls"), {short: LONG_MCP_NAME})
    assert message["content"][0]["name"] == LONG_MCP_NAME


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("", {}),
        ("   ", {}),
        (None, {}),
        ({"already": "an object"}, {"already": "an object"}),
        ('{"a": 1', {"_raw_arguments": '{"a": 1'}),
        ("[1, 2]", {"_raw_arguments": "[1, 2]"}),
    ],
)
def test_tool_arguments_are_parsed_tolerantly(arguments: Any, expected: dict[str, Any]) -> None:
    assert parse_arguments(arguments) == expected
    message = translate(completion({"tool_calls": [call("Bash", arguments)]}, "tool_calls"))
    assert message["content"][0]["input"] == expected


def test_unsafe_and_missing_tool_ids_become_valid_anthropic_ids() -> None:
    message = translate(completion({"tool_calls": [call("A", "{}", "call:1/x"), call("B", "{}", "")]}))
    ids = [block["id"] for block in message["content"]]
    assert ids[0] == "call_1_x"
    assert ids[1].startswith("toolu_") and len(ids[1]) > 6


def test_content_parts_and_refusals_become_text() -> None:
    parts = completion({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]})
    assert translate(parts)["content"] == [{"type": "text", "text": "a\n\nb"}]
    refused = completion({"content": None, "refusal": "I can't help with that."}, "content_filter")
    message = translate(refused)
    assert message["content"] == [{"type": "text", "text": "I can't help with that."}]
    assert message["stop_reason"] == "refusal"


def test_empty_answer_has_empty_content() -> None:
    assert translate(completion({"content": ""}))["content"] == []


def test_missing_id_gets_a_fresh_message_id() -> None:
    chat = completion({"content": "x"})
    del chat["id"]
    assert translate(chat)["id"].startswith("msg_")


@pytest.mark.parametrize("bad", [{}, {"choices": []}, {"choices": None}, {"error": {"message": "x"}}])
def test_a_response_without_choices_is_an_upstream_format_error(bad: dict[str, Any]) -> None:
    with pytest.raises(UpstreamFormatError):
        to_anthropic_message(bad, "gpt-4o", {})
