"""Replayed entries, served over real HTTP, parse with the real `anthropic` SDK, streamed and not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import orjson
import pytest
from quart import Quart, Response, request

from cco_tui.cache.entry import CacheEntry, replay
from cco_tui.wire.events import sse_to_message
from tests.cache import streams
from tests.fakes.serve import ThreadedServer, running

ENTRIES: dict[str, CacheEntry] = {}


def replay_app() -> Quart:
    """Answers POST /v1/messages from the entry named by the request's model, in the form it asks for."""
    app = Quart(__name__)

    @app.post("/v1/messages")
    async def messages() -> Response:
        body = orjson.loads(await request.get_data())
        payload, content_type = replay(ENTRIES[body["model"]], stream=body.get("stream") is True)
        return Response(payload, content_type=content_type)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with running(replay_app()) as server:
        yield server


def stream_entry(raw: bytes) -> tuple[CacheEntry, dict[str, Any]]:
    message = sse_to_message(raw)
    return CacheEntry.create(raw, is_stream=True, usage=message["usage"], model=message["model"]), message


def json_entry(raw: bytes) -> tuple[CacheEntry, dict[str, Any]]:
    message = sse_to_message(raw)
    body = orjson.dumps(message)
    return CacheEntry.create(body, is_stream=False, usage=message["usage"], model=message["model"]), message


CASES = {
    f"{form.__name__}-{name}": (form, raw)
    for form in (stream_entry, json_entry)
    for name, raw in {
        "text": streams.TEXT_STREAM,
        "tool": streams.TOOL_STREAM,
        "thinking": streams.THINKING_STREAM,
    }.items()
}


def sdk_view(message: anthropic.types.Message) -> tuple[list[dict[str, Any]], dict[str, Any], str | None]:
    content = [block.model_dump(exclude_none=True) for block in message.content]
    return content, message.usage.model_dump(exclude_none=True), message.stop_reason


def expected_view(message: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any], str | None]:
    return message["content"], message["usage"], message["stop_reason"]


def client_for(server: ThreadedServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="x", max_retries=0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sdk_reads_the_entry_as_json(server: ThreadedServer, case: str) -> None:
    form, raw = CASES[case]
    entry, original = form(raw)
    ENTRIES[case] = entry
    reply = client_for(server).messages.create(model=case, max_tokens=100, messages=[{"role": "user", "content": "hi"}])
    assert sdk_view(reply) == expected_view(original)
    assert reply.model == original["model"] and reply.id == original["id"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_sdk_reads_the_entry_as_a_stream(server: ThreadedServer, case: str) -> None:
    form, raw = CASES[case]
    entry, original = form(raw)
    ENTRIES[case] = entry
    with client_for(server).messages.stream(
        model=case, max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert sdk_view(final) == expected_view(original)
    assert text == "".join(block.get("text", "") for block in original["content"] if block["type"] == "text")


def test_sdk_raw_stream_events_match_the_original_stream(server: ThreadedServer) -> None:
    ENTRIES["raw"], _ = json_entry(streams.TOOL_STREAM)
    events = client_for(server).messages.create(
        model="raw", max_tokens=100, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 2
