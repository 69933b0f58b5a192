"""A stand-in Anthropic server that answers POST /v1/messages with bytes a test sets, so the real
`anthropic` SDK reads translated output over real HTTP (stream parsing, accumulation, error events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anthropic
from anthropic.types import Message
from quart import Quart, Response, request

from tests.fakes.serve import running


class AnthropicReplay:
    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.content_type = "text/event-stream"
        self.app = Quart(__name__)
        self.app.add_url_rule("/v1/messages", "messages", self._messages, methods=["POST"])

    async def _messages(self) -> Response:
        # Read the body even though it is not needed: answering before it is consumed makes hypercorn
        # close the connection, and the SDK's next request on that pooled connection then fails.
        await request.get_data()
        return Response(self.body, status=self.status, content_type=self.content_type)


class ReplayClient:
    """The SDK pointed at a running replay server."""

    def __init__(self, replay: AnthropicReplay, url: str) -> None:
        self.replay = replay
        self.client = anthropic.Anthropic(base_url=url, api_key="sk-ant-test", max_retries=0)

    def stream(self, raw: bytes) -> tuple[Message, list[str]]:
        """The SDK's final message for an Anthropic SSE stream, and the event types it saw."""
        self.replay.body, self.replay.status, self.replay.content_type = raw, 200, "text/event-stream"
        with self.client.messages.stream(model="gpt-4o", max_tokens=64, messages=[_HELLO]) as stream:
            seen: list[str] = [event.type for event in stream]
            return stream.get_final_message(), seen

    def message(self, raw: bytes) -> Message:
        """The SDK's parse of a whole (non-streamed) Anthropic response body."""
        self.replay.body, self.replay.status, self.replay.content_type = raw, 200, "application/json"
        return self.client.messages.create(model="gpt-4o", max_tokens=64, messages=[_HELLO])

    def error(self, status: int, raw: bytes) -> anthropic.APIStatusError:
        """The exception the SDK raises for an error answer with this status and body."""
        self.replay.body, self.replay.status, self.replay.content_type = raw, status, "application/json"
        try:
            self.client.messages.create(model="gpt-4o", max_tokens=64, messages=[_HELLO])
        except anthropic.APIStatusError as error:
            return error
        raise AssertionError("the SDK accepted an error answer")


_HELLO: anthropic.types.MessageParam = {"role": "user", "content": "hello"}


@contextmanager
def replay_client() -> Iterator[ReplayClient]:
    replay = AnthropicReplay()
    with running(replay.app) as server:
        yield ReplayClient(replay, server.url)
