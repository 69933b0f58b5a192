"""The fake OpenAI upstream speaks real OpenAI: its answers validate as the `openai` SDK's types and the
SDK's own stream helpers accumulate them."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam

from tests.fakes.openai_upstream import FakeOpenAI, ToolCall, error_reply, raw_stream, text_reply, tool_reply
from tests.fakes.serve import ThreadedServer

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello"}]
CALLS = (ToolCall("Bash", '{"command": "ls -la"}', "call_a"), ToolCall("Read", '{"path": "/etc/hosts"}'))


def test_non_stream_text_validates(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    openai_fake.then(text_reply("Hi!", prompt_tokens=11, completion_tokens=2, cached_tokens=5))
    raw = openai_client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    completion = ChatCompletion.model_validate(raw.http_response.json())
    assert completion.choices[0].message.content == "Hi!"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 5
    assert completion.model == "gpt-4o"


def test_non_stream_tool_calls_validate(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    openai_fake.then(tool_reply(*CALLS))
    raw = openai_client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    completion = ChatCompletion.model_validate(raw.http_response.json())
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls if c.type == "function"] == [
        ("call_a", "Bash", '{"command": "ls -la"}'),
        ("call_fake_1", "Read", '{"path": "/etc/hosts"}'),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"


def test_stream_text_chunks_validate_and_end_with_usage(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    openai_fake.then(text_reply("Streaming works fine.", fragment_chars=4))
    stream = openai_client.chat.completions.create(
        model="gpt-4o", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = [ChatCompletionChunk.model_validate(c.model_dump(exclude_unset=True)) for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Streaming works fine."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 28


def test_stream_without_include_usage_has_no_usage(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    stream = openai_client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    assert all(chunk.usage is None for chunk in stream)


def test_stream_tool_call_fragments_accumulate_in_the_sdk(
    openai_fake: FakeOpenAI, openai_client: openai.OpenAI
) -> None:
    openai_fake.then(tool_reply(*CALLS, text="Let me look.", fragment_chars=3))
    with openai_client.chat.completions.stream(
        model="gpt-4o", messages=HELLO, stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Let me look."
    assert [(c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        ("Bash", '{"command": "ls -la"}'),
        ("Read", '{"path": "/etc/hosts"}'),
    ]
    assert final.choices[0].finish_reason == "tool_calls"


def test_errors_reach_the_sdk_with_status_and_headers(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    openai_fake.then(error_reply(429, "Rate limit reached", "requests", {"retry-after": "7"}))
    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.response.headers["retry-after"] == "7"
    assert isinstance(caught.value.body, dict) and caught.value.body["message"] == "Rate limit reached"


def test_requests_are_recorded_with_body_and_headers(openai_fake: FakeOpenAI, openai_client: openai.OpenAI) -> None:
    openai_client.chat.completions.create(model="gpt-4o", messages=HELLO, max_tokens=9)
    received = openai_fake.last
    assert received.path == "/v1/chat/completions"
    assert received.body == {"model": "gpt-4o", "messages": HELLO, "max_tokens": 9}
    assert received.headers["authorization"] == "Bearer sk-test-key"


def test_a_cut_raw_stream_breaks_the_connection(
    openai_fake: FakeOpenAI, openai_server: tuple[FakeOpenAI, ThreadedServer]
) -> None:
    openai_fake.then(raw_stream([{"choices": [{"index": 0, "delta": {"content": "x"}}]}], cut=True))
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", openai_server[1].url + "/v1/chat/completions", json={"stream": True}) as response,
    ):
        for _ in response.iter_bytes():
            pass
