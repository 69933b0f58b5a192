"""A fake Anthropic API on real loopback HTTP: records what it receives, answers what a test scripts.

Written as a bare ASGI app (no framework) so it is fast enough for benchmarks and so it can notice a client
disconnect mid-stream. It deliberately does not reuse cco's own SSE code: an independent implementation is
what lets the tests catch cco's mistakes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_USAGE = {
    "input_tokens": 25,
    "output_tokens": 12,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


@dataclass
class Received:
    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    raw_headers: list[tuple[bytes, bytes]]
    body: bytes
    raw_path: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict → JSON; bytes → as is
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str, Any]] | None = None  # SSE (event, data) pairs; None → a JSON reply
    delay_s: float = 0.0  # between events
    hold_open: bool = False  # after the events, keep the stream open until the client leaves
    cut: bool = False  # close the connection after the events without finishing cleanly
    head_delay_s: float = 0.0  # wait this long before sending the status line

    @property
    def is_stream(self) -> bool:
        return self.events is not None


def message(
    text: str = "Hello from the fake upstream.",
    model: str = "claude-sonnet-4-6",
    usage: dict[str, Any] | None = None,
    content: list[dict[str, Any]] | None = None,
    stop_reason: str = "end_turn",
) -> dict[str, Any]:
    return {
        "id": "msg_fake_0001",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content if content is not None else [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {**DEFAULT_USAGE, **(usage or {})},
    }


def stream_events(msg: dict[str, Any], fragments: int = 3) -> list[tuple[str, Any]]:
    """The SSE events that stream `msg`, text and tool input split into `fragments` deltas."""
    usage = msg["usage"]
    start_usage = {**usage, "output_tokens": 1}
    head = {**msg, "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}
    events: list[tuple[str, Any]] = [
        ("message_start", {"type": "message_start", "message": head}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(msg["content"]):
        events.extend(_block_events(index, block, fragments))
    delta = {"stop_reason": msg["stop_reason"], "stop_sequence": msg.get("stop_sequence")}
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _split(text: str, parts: int) -> list[str]:
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _block_events(index: int, block: dict[str, Any], fragments: int) -> list[tuple[str, Any]]:
    if block["type"] == "tool_use":
        start = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": ""}] + [
            {"type": "input_json_delta", "partial_json": piece}
            for piece in _split(json.dumps(block["input"]), fragments)
        ]
    else:
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in _split(block["text"], fragments)]
    events: list[tuple[str, Any]] = [
        ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
    ]
    events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def error_reply(status: int, error_type: str, message_text: str, headers: dict[str, str] | None = None) -> Reply:
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message_text},
        "request_id": "req_fake_err",
    }
    return Reply(status=status, body=body, headers={"request-id": "req_fake_err", **(headers or {})})


def encode_sse(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class FakeAnthropic:
    """The ASGI app. Thread-safe recording: the server runs in its own thread."""

    def __init__(self, record: bool = True) -> None:
        self.record = record  # benchmarks turn recording off so memory stays flat
        self.received: list[Received] = []
        self.script: deque[Reply] = deque()
        self.responder: Callable[[Received], Reply] = self.default_reply
        self.disconnects = 0
        self.stream_closed = threading.Event()
        self._lock = threading.Lock()

    # --- test API -------------------------------------------------------------------------------------------
    def then(self, *replies: Reply) -> FakeAnthropic:
        self.script.extend(replies)
        return self

    def count(self, path: str = "/v1/messages") -> int:
        with self._lock:
            return sum(1 for item in self.received if item.path == path)

    @property
    def last(self) -> Received:
        return self.received[-1]

    def default_reply(self, received: Received) -> Reply:
        if received.path.endswith("/count_tokens"):
            return Reply(body={"input_tokens": 42})
        if received.path.startswith("/v1/models"):
            return Reply(body=_models(received.path))
        if received.path != "/v1/messages":  # batches, files…: echo where the request landed
            return Reply(body={"type": "fake_resource", "path": received.path})
        payload = received.json()
        msg = message(model=payload.get("model", "claude-sonnet-4-6"))
        if payload.get("stream"):
            return Reply(events=stream_events(msg), headers={"request-id": "req_fake_stream"})
        return Reply(body=msg, headers={"request-id": "req_fake_json"})

    # --- ASGI -----------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        received = await self._record(scope, receive)
        reply = self.script.popleft() if self.script else self.responder(received)
        if reply.head_delay_s and await self._client_left_within(reply.head_delay_s, receive):
            return
        if reply.is_stream:
            await self._stream(reply, receive, send)
        else:
            await _send_json(reply, send)

    async def _record(self, scope: dict[str, Any], receive: Any) -> Received:
        body = b""
        while True:
            message_ = await receive()
            body += message_.get("body", b"")
            if not message_.get("more_body"):
                break
        raw = list(scope["headers"])
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}
        item = Received(scope["method"], scope["path"], scope["query_string"], headers, raw, body, scope["raw_path"])
        if self.record:
            with self._lock:
                self.received.append(item)
        return item

    async def _stream(self, reply: Reply, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
        headers += [(k.encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        watcher = asyncio.ensure_future(self._watch_disconnect(receive))
        try:
            for name, data in reply.events or []:
                if reply.delay_s:
                    await asyncio.sleep(reply.delay_s)
                await send({"type": "http.response.body", "body": encode_sse(name, data), "more_body": True})
            if reply.hold_open:
                await asyncio.wait_for(asyncio.shield(watcher), 30)
                return
            if reply.cut:
                raise ConnectionAbortedError("fake upstream cuts the stream")
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            self.stream_closed.set()

    async def _client_left_within(self, seconds: float, receive: Any) -> bool:
        """Wait before answering, but notice (and count) a caller that gives up meanwhile."""
        try:
            await asyncio.wait_for(self._watch_disconnect(receive), seconds)
        except TimeoutError:
            return False
        return True

    async def _watch_disconnect(self, receive: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        with self._lock:
            self.disconnects += 1


async def _send_json(reply: Reply, send: Any) -> None:
    body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
    headers = [(b"content-type", b"application/json")] + [(k.encode(), v.encode()) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _models(path: str) -> dict[str, Any]:
    model = {
        "type": "model",
        "id": "claude-sonnet-4-6",
        "display_name": "Claude Sonnet 4.6",
        "created_at": "2025-09-29T00:00:00Z",
    }
    if path.rstrip("/") != "/v1/models":
        return {**model, "id": path.rsplit("/", 1)[-1]}
    return {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]}
