"""Anthropic Messages request -> Chat Completions request, mapping by mapping."""

from __future__ import annotations

from typing import Any

import openai
import orjson
import pytest

from cco_tui.providers.openai_translate import openai_tool_name, to_chat_request, tool_name_map
from tests.fakes.openai_upstream import FakeOpenAI
from tests.translation.openai_contract import check_chat_request
from tests.translation.samples import CACHE, LONG_MCP_NAME, claude_code_request, tool

IMAGE = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}


def chat(**body: Any) -> dict[str, Any]:
    translated = to_chat_request({"model": "claude-x", "max_tokens": 100, **body}, "gpt-4o", stream=False)
    check_chat_request(translated)
    return translated


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def tool_use(tool_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


def tool_result(tool_id: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": content, **extra}


# -- system ----------------------------------------------------------------------------------------------


def test_system_string_becomes_one_leading_system_message() -> None:
    assert chat(system="Be brief.", messages=[user("hi")])["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]


def test_system_blocks_are_joined_and_lose_cache_control() -> None:
    body = chat(system=[text("One."), text("Two.", cache_control=CACHE)], messages=[user("hi")])
    assert body["messages"][0] == {"role": "system", "content": "One.\n\nTwo."}
    assert b"cache_control" not in orjson.dumps(body)


def test_system_messages_inside_messages_stay_in_place() -> None:
    messages = [
        user("first"),
        {"role": "system", "content": "Primary working directory: /w"},
        assistant("ok"),
        user("second"),
    ]
    assert [m["role"] for m in chat(system="S", messages=messages)["messages"]] == [
        "system",
        "user",
        "system",
        "assistant",
        "user",
    ]
    assert chat(messages=messages)["messages"][1] == {"role": "system", "content": "Primary working directory: /w"}


def test_no_system_means_no_system_message() -> None:
    assert chat(messages=[user("hi")])["messages"] == [{"role": "user", "content": "hi"}]


# -- user content ----------------------------------------------------------------------------------------


def test_text_only_user_blocks_collapse_to_one_string() -> None:
    body = chat(messages=[user([text("a"), text("b", cache_control=CACHE)])])
    assert body["messages"] == [{"role": "user", "content": "a\n\nb"}]


def test_images_become_image_url_parts_beside_text() -> None:
    url_image = {"type": "image", "source": {"type": "url", "url": "https://example.com/x.png"}}
    body = chat(messages=[user([text("look"), {"type": "image", "source": IMAGE}, url_image])])
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
    ]


def test_documents_become_text_or_file_parts() -> None:
    pdf = {
        "type": "document",
        "title": "spec.pdf",
        "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
    }
    plain = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}}
    parts = chat(messages=[user([pdf, plain])])["messages"][0]["content"]
    assert parts == [
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "spec.pdf"}},
        {"type": "text", "text": "notes"},
    ]


# -- tool use and tool results ---------------------------------------------------------------------------


def test_tool_use_becomes_tool_calls_with_json_arguments_and_text_content() -> None:
    turn = assistant([text("Let me look."), tool_use("toolu_1", "Bash", {"command": "ls -la", "n": [1, 2]})])
    message = chat(messages=[user("hi"), turn])["messages"][1]
    assert message == {
        "role": "assistant",
        "content": "Let me look.",
        "tool_calls": [
            {
                "id": "toolu_1",
                "type": "function",
                "function": {"name": "Bash", "arguments": '{"command":"ls -la","n":[1,2]}'},
            }
        ],
    }


def test_assistant_without_text_has_null_content_beside_tool_calls() -> None:
    message = chat(messages=[user("hi"), assistant([tool_use("t", "Bash", {})])])["messages"][1]
    assert message["content"] is None
    assert message["tool_calls"][0]["function"]["arguments"] == "{}"


def test_thinking_is_dropped_and_a_thinking_only_turn_disappears() -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    body = chat(
        messages=[user("a"), assistant([thinking, text("answer")]), user("b"), assistant([thinking]), user("c")]
    )
    assert body["messages"] == [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": "b"},
        {"role": "user", "content": "c"},
    ]


def test_tool_results_follow_the_calls_before_the_remaining_user_text() -> None:
    calls = assistant([tool_use("t1", "Bash", {"command": "ls"}), tool_use("t2", "Bash", {"command": "pwd"})])
    answers = user([text("before"), tool_result("t1", "a.txt"), tool_result("t2", [text("/w")]), text("after")])
    messages = chat(messages=[user("go"), calls, answers])["messages"]
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "t1", "content": "a.txt"},
        {"role": "tool", "tool_call_id": "t2", "content": "/w"},
        {"role": "user", "content": "before\n\nafter"},
    ]


def test_tool_result_only_turn_has_no_user_message() -> None:
    messages = chat(
        messages=[user("go"), assistant([tool_use("t1", "Bash", {})]), user([tool_result("t1", "done", is_error=True)])]
    )["messages"]
    assert messages[-1] == {"role": "tool", "tool_call_id": "t1", "content": "done"}


def test_images_returned_by_a_tool_travel_in_the_next_user_message() -> None:
    screenshot = tool_result("t1", [{"type": "image", "source": IMAGE}])
    messages = chat(
        messages=[user("go"), assistant([tool_use("t1", "Shot", {})]), user([screenshot, text("what is it?")])]
    )["messages"]
    assert messages[2]["role"] == "tool" and messages[2]["content"]
    assert messages[3] == {
        "role": "user",
        "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "text", "text": "what is it?"},
        ],
    }


# -- tools and tool_choice -------------------------------------------------------------------------------


def test_tools_become_functions_without_anthropic_only_fields() -> None:
    bash = tool(
        "Bash", "Run a command.", {"command": {"type": "string"}}, cache_control=CACHE, defer_loading=True, strict=True
    )
    web = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    body = chat(messages=[user("hi")], tools=[bash, web])
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": "Bash", "description": "Run a command.", "parameters": bash["input_schema"]},
        }
    ]


def test_a_tool_without_description_has_no_description() -> None:
    body = chat(messages=[user("hi")], tools=[{"name": "Ping", "input_schema": {"type": "object"}}])
    assert body["tools"][0]["function"] == {"name": "Ping", "parameters": {"type": "object"}}


def test_long_tool_names_are_shortened_everywhere_and_map_back() -> None:
    history = [user("hi"), assistant([tool_use("t1", LONG_MCP_NAME, {})]), user([tool_result("t1", "x")])]
    request = {
        "messages": history,
        "tools": [tool(LONG_MCP_NAME, "d", {})],
        "tool_choice": {"type": "tool", "name": LONG_MCP_NAME},
    }
    body = chat(**request)
    short = body["tools"][0]["function"]["name"]
    assert len(short) <= 64 and short != LONG_MCP_NAME
    assert body["messages"][1]["tool_calls"][0]["function"]["name"] == short
    assert body["tool_choice"] == {"type": "function", "function": {"name": short}}
    assert tool_name_map(request) == {short: LONG_MCP_NAME}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"type": "auto"}, {"tool_choice": "auto"}),
        ({"type": "any"}, {"tool_choice": "required"}),
        ({"type": "none"}, {"tool_choice": "none"}),
        ({"type": "tool", "name": "Bash"}, {"tool_choice": {"type": "function", "function": {"name": "Bash"}}}),
        ({"type": "auto", "disable_parallel_tool_use": True}, {"tool_choice": "auto", "parallel_tool_calls": False}),
        ({"type": "any", "disable_parallel_tool_use": False}, {"tool_choice": "required"}),
    ],
)
def test_tool_choice(choice: dict[str, Any], expected: dict[str, Any]) -> None:
    body = chat(messages=[user("hi")], tools=[tool("Bash", "d", {})], tool_choice=choice)
    assert {k: body[k] for k in ("tool_choice", "parallel_tool_calls") if k in body} == expected


def test_tool_choice_without_tools_is_not_sent() -> None:
    body = chat(messages=[user("hi")], tool_choice={"type": "auto", "disable_parallel_tool_use": True})
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(body)


# -- limits, sampling, streaming, dropped fields ---------------------------------------------------------


def test_limits_and_sampling() -> None:
    body = chat(messages=[user("hi")], stop_sequences=["END", "STOP"], temperature=0.2, top_p=0.9, top_k=5)
    assert {k: body[k] for k in ("max_tokens", "stop", "temperature", "top_p")} == {
        "max_tokens": 100,
        "stop": ["END", "STOP"],
        "temperature": 0.2,
        "top_p": 0.9,
    }
    assert "top_k" not in body


def test_max_tokens_can_be_capped_and_renamed() -> None:
    body = to_chat_request(
        {"max_tokens": 32000, "messages": [user("hi")]},
        "gpt-5",
        False,
        max_tokens_cap=16384,
        token_field="max_completion_tokens",
    )
    assert body["max_completion_tokens"] == 16384 and "max_tokens" not in body


def test_streaming_asks_for_usage() -> None:
    body = to_chat_request({"max_tokens": 5, "messages": [user("hi")]}, "gpt-4o", True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert to_chat_request({"max_tokens": 5, "messages": []}, "m", False)["stream"] is False


def test_model_is_the_upstream_model() -> None:
    assert chat(messages=[user("hi")])["model"] == "gpt-4o"


def test_anthropic_only_fields_are_dropped() -> None:
    body = to_chat_request(claude_code_request(), "gpt-4o", True)
    dumped = orjson.dumps(body)
    for field in (
        b"metadata",
        b"thinking",
        b"context_management",
        b"output_config",
        b"cache_control",
        b"defer_loading",
        b"signature",
        b"is_error",
        b'"strict"',
    ):
        assert field not in dumped, field
    assert set(body) == {"model", "messages", "max_tokens", "temperature", "tools", "stream", "stream_options"}


def test_claude_code_request_translates_in_order() -> None:
    body = to_chat_request(claude_code_request(), "gpt-4o", True)
    check_chat_request(body)
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "system", "user", "assistant", "tool", "tool", "user"]
    assert body["messages"][1]["content"] == "Primary working directory: /home/dev/project"
    assert [m["tool_call_id"] for m in body["messages"][4:6]] == ["toolu_01", "toolu_02"]
    assert len(body["tools"]) == 24
    assert all(len(t["function"]["name"]) <= 64 for t in body["tools"])


@pytest.mark.parametrize("stream", [False, True])
def test_the_openai_sdk_accepts_and_sends_the_translated_request_unchanged(
    stream: bool, openai_fake: FakeOpenAI, openai_client: openai.OpenAI
) -> None:
    body = to_chat_request(claude_code_request(stream=stream), "gpt-4o", stream)
    create: Any = openai_client.chat.completions.create  # the body is a plain dict, not the SDK's overloads
    result = create(**body)  # unknown keyword arguments would raise TypeError
    if stream:
        assert "".join(c.choices[0].delta.content or "" for c in result if c.choices)
    else:
        assert result.choices[0].message.content
    assert openai_fake.last.body == body
    assert openai_tool_name(LONG_MCP_NAME) in {t["function"]["name"] for t in openai_fake.last.body["tools"]}
