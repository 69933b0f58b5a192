"""End to end through the translation layer: the real anthropic SDK -> cco's server, routing gpt-* to an
OpenAI-compatible upstream -> the fake OpenAI upstream, all over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.openai_upstream import FakeOpenAI, ToolCall, error_reply, raw_stream, text_reply, tool_reply
from tests.fakes.serve import ThreadedServer, running
from tests.translation.openai_contract import check_chat_request
from tests.translation.samples import LONG_MCP_NAME, claude_code_request

UPSTREAM_MODEL = "gpt-4o-upstream"


@pytest.fixture(scope="module")
def bridge(
    openai_server: tuple[FakeOpenAI, ThreadedServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[anthropic.Anthropic]:
    """cco itself, with the cache off so every test's request reaches the fake."""
    directory = tmp_path_factory.mktemp("bridge")
    route = {
        "pattern": "gpt-*",
        "provider": "openai",
        "endpoint": openai_server[1].url + "/v1",
        "model": UPSTREAM_MODEL,
    }
    config = load_config(
        str(write_config(directory / "c", openai_server[1].url, settings={"cache": {"enabled": False}}, routes=[route]))
    )
    with running(create_app(config, directory / "cco.db")) as server:
        yield anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)


def ask(bridge: anthropic.Anthropic, stream: bool = True) -> anthropic.types.Message:
    """Send a Claude-Code-like request; fields this SDK version has no parameter for go as extra_body."""
    body = claude_code_request(stream=stream)
    required = {key: body.pop(key) for key in ("model", "max_tokens", "messages")}
    body.pop("stream")
    if stream:
        with bridge.messages.stream(**required, extra_body=body) as events:
            return events.get_final_message()
    required["max_tokens"] = 4096  # the SDK refuses more without streaming
    answer: anthropic.types.Message = bridge.messages.create(**required, extra_body=body)
    return answer


def tool_inputs(message: anthropic.types.Message) -> list[tuple[str, object]]:
    return [(b.name, b.input) for b in message.content if b.type == "tool_use"]


def test_streamed_text(bridge: anthropic.Anthropic, openai_fake: FakeOpenAI) -> None:
    openai_fake.then(text_reply("All files listed.", prompt_tokens=900, completion_tokens=12, cached_tokens=700))
    message = ask(bridge)
    assert [b.text for b in message.content if b.type == "text"] == ["All files listed."]
    assert (message.stop_reason, message.model) == ("end_turn", "gpt-4o")
    assert (
        message.usage.input_tokens,
        message.usage.cache_read_input_tokens,
        message.usage.output_tokens,
    ) == (200, 700, 12)
    check_chat_request(openai_fake.last.body)
    assert openai_fake.last.body["model"] == UPSTREAM_MODEL


def test_streamed_tool_calls_in_fragments(bridge: anthropic.Anthropic, openai_fake: FakeOpenAI) -> None:
    from cco_tui.providers.openai_translate import openai_tool_name

    calls = (
        ToolCall("Bash", '{"command": "ls -la /tmp"}', "call_1"),
        ToolCall(openai_tool_name(LONG_MCP_NAME), '{"query": "open issues"}', "call_2"),
    )
    openai_fake.then(tool_reply(*calls, text="Checking.", fragment_chars=2))
    message = ask(bridge)
    assert [(b.id, b.name, b.input) for b in message.content if b.type == "tool_use"] == [
        ("call_1", "Bash", {"command": "ls -la /tmp"}),
        ("call_2", LONG_MCP_NAME, {"query": "open issues"}),
    ]
    assert message.stop_reason == "tool_use"


def test_whole_tool_answer(bridge: anthropic.Anthropic, openai_fake: FakeOpenAI) -> None:
    openai_fake.then(tool_reply(ToolCall("Bash", '{"command": "pwd"}', "call_9")))
    message = ask(bridge, stream=False)
    assert tool_inputs(message) == [("Bash", {"command": "pwd"})]
    assert openai_fake.last.body["stream"] is False


def test_upstream_error_reaches_the_sdk_as_anthropic_error(
    bridge: anthropic.Anthropic, openai_fake: FakeOpenAI
) -> None:
    openai_fake.then(error_reply(429, "Rate limit reached for gpt-4o", "requests"))
    with pytest.raises(anthropic.RateLimitError, match="Rate limit reached for gpt-4o"):
        ask(bridge)


def test_a_cut_upstream_stream_ends_with_an_error_the_sdk_raises(
    bridge: anthropic.Anthropic, openai_fake: FakeOpenAI
) -> None:
    partial = {"choices": [{"index": 0, "delta": {"content": "Half an"}, "finish_reason": None}]}
    openai_fake.then(raw_stream([partial], cut=True))
    with pytest.raises(anthropic.APIStatusError, match="upstream"):
        ask(bridge)


def test_ollama_style_stream_runs_the_tool(bridge: anthropic.Anthropic, openai_fake: FakeOpenAI) -> None:
    call = {
        "id": "call_o",
        "index": 0,
        "type": "function",
        "function": {"name": "Bash", "arguments": '{"command":"date"}'},
    }
    openai_fake.then(
        raw_stream(
            [
                {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "tool_calls": [call]}}]},
                {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": "stop"}]},
                {"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 10}},
                "[DONE]",
            ]
        )
    )
    message = ask(bridge)
    assert message.stop_reason == "tool_use"
    assert tool_inputs(message) == [("Bash", {"command": "date"})]
