"""A fake OpenAI-compatible server (`POST /v1/chat/completions`) on real loopback HTTP.

It records each request (body and headers) and answers what a test scripts with `then(...)`: text, tool
calls (arguments streamed in fragments), errors with any status, or exact SSE frames for odd servers
(Ollama's `stop` after tool calls, arguments whole or as snapshots, a stream cut mid-answer). Streams follow
OpenAI's shape: a role chunk, content/tool-call deltas, a finish chunk, a usage chunk when the request asked
for `stream_options.include_usage`, then `data: [DONE]`. Its answers are checked against the `openai` SDK's
types in tests/translation/test_fake_openai_upstream.py. It does not reuse cco's SSE code on purpose.

Use: `fake = FakeOpenAI(); with running(fake) as server: ... base_url=server.url + "/v1"`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, Response, request

Json = dict[str, Any]


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: Json


@dataclass
class ToolCall:
    name: str
    arguments: str  # a JSON string, as OpenAI sends it
    id: str = ""


@dataclass
class Reply:
    """One scripted answer. Streams or not as the request asks (`stream`), unless `frames` is set."""

    text: str = "Hello from the fake OpenAI upstream."
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None  # None: "tool_calls" when there are tool calls, else "stop"
    prompt_tokens: int = 20
    completion_tokens: int = 8
    cached_tokens: int = 0
    fragment_chars: int = 5  # streamed text and arguments come in pieces of this many characters
    status: int = 200
    error: Any = None  # the body when status >= 400: dict -> JSON, str/bytes -> as is
    headers: dict[str, str] = field(default_factory=dict)
    frames: list[bytes] | None = None  # exact SSE bytes to stream instead of built chunks
    cut: bool = False  # with `frames`: drop the connection after them instead of ending cleanly
    delay_s: float = 0.0  # before the status line (for timeout tests)

    @property
    def finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")


def text_reply(text: str, **options: Any) -> Reply:
    return Reply(text=text, **options)


def tool_reply(*calls: ToolCall, text: str = "", **options: Any) -> Reply:
    return Reply(text=text, tool_calls=list(calls), **options)


def error_reply(
    status: int, message: str, error_type: str = "invalid_request_error", headers: dict[str, str] | None = None
) -> Reply:
    body = {"error": {"message": message, "type": error_type, "param": None, "code": None}}
    return Reply(status=status, error=body, headers=headers or {})


def raw_stream(chunks: list[Json | str], cut: bool = False) -> Reply:
    """A stream of exactly these `data:` payloads (dicts as JSON, strings such as "[DONE]" as is)."""
    frames = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n".encode() for c in chunks]
    return Reply(frames=frames, cut=cut)


class FakeOpenAI:
    """An ASGI app (Quart inside). Thread-safe recording: the server runs in its own thread."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._counter = 0
        self.app = self._make_app()

    def then(self, *replies: Reply) -> FakeOpenAI:
        """Queue the next answers, in order; when the queue is empty the default text answer is used."""
        with self._lock:
            self.script.extend(replies)
        return self

    @property
    def last(self) -> Received:
        with self._lock:
            return self.received[-1]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def _make_app(self) -> Quart:
        app = Quart(__name__)
        app.add_url_rule("/v1/chat/completions", "chat", self._chat, methods=["POST"])
        app.add_url_rule("/chat/completions", "chat_no_prefix", self._chat, methods=["POST"])
        return app

    async def _chat(self) -> Response:
        body = await request.get_json(force=True)
        reply, number = self._take(Received(request.path, _headers(), body))
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status >= 400:
            return _error_response(reply)
        if reply.frames is not None:
            return _sse_response(_frames(reply), reply)
        completion_id = f"chatcmpl-fake-{number}"
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = stream_chunks(reply, body.get("model", ""), completion_id, include_usage)
            return _sse_response(_chunk_frames(chunks), reply)
        return Response(
            json.dumps(completion(reply, body.get("model", ""), completion_id)),
            status=200,
            headers=reply.headers,
            content_type="application/json",
        )

    def _take(self, received: Received) -> tuple[Reply, int]:
        with self._lock:
            self.received.append(received)
            self._counter += 1
            return (self.script.popleft() if self.script else Reply()), self._counter


def completion(reply: Reply, model: str, completion_id: str) -> Json:
    """The whole `chat.completion` object for a reply."""
    message: Json = {"role": "assistant", "content": reply.text or None, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [_whole_call(call, n) for n, call in enumerate(reply.tool_calls)]
    choice = {"index": 0, "message": message, "finish_reason": reply.finish, "logprobs": None}
    return {**_envelope(completion_id, model, "chat.completion"), "choices": [choice], "usage": usage(reply)}


def stream_chunks(reply: Reply, model: str, completion_id: str, include_usage: bool) -> list[Json]:
    """The `chat.completion.chunk` objects of a streamed reply, in order (without `[DONE]`)."""
    role: Json = {"role": "assistant", "content": "" if reply.text else None}
    deltas = [role] + [{"content": piece} for piece in _pieces(reply.text, reply.fragment_chars)]
    for n, call in enumerate(reply.tool_calls):
        deltas += _call_deltas(call, n, reply.fragment_chars)
    chunks = [_chunk(completion_id, model, delta, None) for delta in deltas]
    chunks.append(_chunk(completion_id, model, {}, reply.finish))
    if include_usage:
        chunks.append(
            {**_envelope(completion_id, model, "chat.completion.chunk"), "choices": [], "usage": usage(reply)}
        )
    return chunks


def usage(reply: Reply) -> Json:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens, "audio_tokens": 0},
    }


def _call_id(call: ToolCall, n: int) -> str:
    return call.id or f"call_fake_{n}"


def _whole_call(call: ToolCall, n: int) -> Json:
    function = {"name": call.name, "arguments": call.arguments}
    return {"id": _call_id(call, n), "type": "function", "function": function}


def _call_deltas(call: ToolCall, n: int, size: int) -> list[Json]:
    head = {"index": n, "id": _call_id(call, n), "type": "function", "function": {"name": call.name, "arguments": ""}}
    pieces = [{"index": n, "function": {"arguments": p}} for p in _pieces(call.arguments, size)]
    return [{"tool_calls": [head]}] + [{"tool_calls": [piece]} for piece in pieces]


def _chunk(completion_id: str, model: str, delta: Json, finish_reason: str | None) -> Json:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
    return {**_envelope(completion_id, model, "chat.completion.chunk"), "choices": [choice]}


def _envelope(completion_id: str, model: str, kind: str) -> Json:
    return {"id": completion_id, "object": kind, "created": int(time.time()), "model": model}


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]


def _headers() -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def _error_response(reply: Reply) -> Response:
    body = reply.error if isinstance(reply.error, str | bytes) else json.dumps(reply.error)
    kind = "application/json" if isinstance(reply.error, dict) else "text/plain"
    return Response(body, status=reply.status, headers=reply.headers, content_type=kind)


def _sse_response(frames: AsyncIterator[bytes], reply: Reply) -> Response:
    headers = {"cache-control": "no-cache", **reply.headers}
    return Response(frames, status=200, headers=headers, content_type="text/event-stream")


async def _chunk_frames(chunks: list[Json]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\n\n".encode()
    yield b"data: [DONE]\n\n"


async def _frames(reply: Reply) -> AsyncIterator[bytes]:
    for frame in reply.frames or ():
        yield frame
    if reply.cut:  # hypercorn drops the connection: the client sees an incomplete body
        raise ConnectionAbortedError("fake upstream cuts the stream")
