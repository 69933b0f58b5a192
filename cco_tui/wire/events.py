"""Anthropic Messages streams: follow one as it is relayed, and turn a whole message back into a stream.

`MessageAccumulator` watches the events of a relayed stream and knows, at the end, the final usage, whether
the stream completed, and the full message a non-streaming request would have received. `message_to_sse`
goes the other way, so a cached JSON answer can be replayed to a streaming client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from cco_tui.wire.sse import SSEEvent, SSEParser, encode_event

Json = dict[str, Any]

# The fields of a message that arrive in message_delta rather than message_start.
_DELTA_FIELDS = ("stop_reason", "stop_sequence", "stop_details")
# Usage counted on the output side; message_start carries only the input side.
_OUTPUT_USAGE = ("output_tokens", "output_tokens_details")
# Delta type -> (field of the delta, field of the block it extends).
_TEXT_DELTAS = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "input_json_delta": ("partial_json", "input"),
}
# Blocks whose input the API streams as input_json_delta fragments (the SDK tracks exactly these).
_STREAMED_INPUT = frozenset({"tool_use", "server_tool_use"})
_FEED_SLICE = 16 * 1024


class _Block:
    """One content block being assembled: its start block plus the fragments that extend it."""

    __slots__ = ("citations", "parts", "start")

    def __init__(self, start: Json) -> None:
        self.start = start
        self.parts: dict[str, list[str]] = {}
        self.citations: list[Any] = []

    def apply(self, delta: Json) -> None:
        kind = delta.get("type")
        fields = _TEXT_DELTAS.get(kind) if isinstance(kind, str) else None
        if fields is not None:
            self.parts.setdefault(fields[1], []).append(delta[fields[0]])
        elif kind == "signature_delta":
            self.start["signature"] = delta["signature"]
        elif kind == "citations_delta":
            self.citations.append(delta["citation"])

    def parse_input(self) -> None:
        """At block stop: parse the concatenated tool input (raises on malformed JSON)."""
        fragments = self.parts.pop("input", None)
        joined = "".join(fragments or ())
        if joined.strip():
            self.start["input"] = orjson.loads(joined)

    def build(self) -> Json:
        block = dict(self.start)
        for field, parts in self.parts.items():
            if field == "input":  # only a block that never stopped still has fragments: keep what parses
                block["input"] = _loads_or("".join(parts), block.get("input", {}))
            else:
                block[field] = (block.get(field) or "") + "".join(parts)
        if self.citations:
            block["citations"] = [*(block.get("citations") or ()), *self.citations]
        return block


class MessageAccumulator:
    """Follows one Anthropic Messages stream, event by event, without holding the relay back."""

    __slots__ = ("_blocks", "_content", "_delta", "_error", "_malformed", "_parser", "_start", "_stopped", "_usage")

    def __init__(self) -> None:
        self._parser: SSEParser | None = None
        self._start: Json | None = None
        self._usage: Json = {}
        self._delta: Json = {}
        self._blocks: dict[int, _Block] = {}
        self._error: Json | None = None
        self._stopped = False
        self._malformed = False
        self._content = True  # False: follow only usage, stop and errors (the content is not wanted)

    # -- feeding -----------------------------------------------------------------------------------------

    def feed_bytes(self, chunk: bytes) -> None:
        """Feed raw relayed bytes; events are parsed by an internal SSEParser."""
        if self._parser is None:
            self._parser = SSEParser()
        for event in self._parser.feed(chunk):
            self.feed(event)

    def forget_content(self) -> None:
        """Drop the content built so far and build no more: what is left costs no memory per delta."""
        self._content = False
        self._blocks.clear()

    def close(self) -> None:
        """End of the byte stream: a last event without its blank line still counts."""
        if self._parser is not None:
            for event in self._parser.close():
                self.feed(event)

    def feed(self, event: SSEEvent) -> None:
        """Take one event. Never raises: a malformed event marks the stream as not completed."""
        if event.event == "ping":
            return
        try:
            data = orjson.loads(event.data)
            self._take(event.event if event.event != "message" else data.get("type"), data)
        except (ValueError, KeyError, TypeError, AttributeError):
            self._malformed = True

    def _take(self, kind: str | None, data: Json) -> None:
        if kind is not None and kind.startswith("content_block_") and not self._content:
            return
        if kind == "content_block_delta":
            self._blocks[data["index"]].apply(data["delta"])
        elif kind == "content_block_start":
            self._blocks[data["index"]] = _Block(dict(data["content_block"]))
        elif kind == "content_block_stop":
            self._blocks[data["index"]].parse_input()
        elif kind == "message_start":
            self._take_start(data["message"])
        elif kind == "message_delta":
            self._take_delta(data)
        elif kind == "message_stop":
            self._stopped = True
        elif kind == "error":
            self._error = _error_of(data)

    def _take_start(self, message: Json) -> None:
        self._start = message
        self._usage = dict(message.get("usage") or {})

    def _take_delta(self, data: Json) -> None:
        self._delta.update(data.get("delta") or {})
        # message_delta usage is cumulative; a field it leaves out (or sends as null) keeps its start value.
        self._usage.update((k, v) for k, v in (data.get("usage") or {}).items() if v is not None)

    # -- results -----------------------------------------------------------------------------------------

    @property
    def usage(self) -> Json:
        """The final usage so far: message_start usage merged with the last message_delta usage."""
        return dict(self._usage)

    @property
    def completed(self) -> bool:
        """Saw message_start and message_stop, no error event and nothing malformed."""
        return self._start is not None and self._stopped and self._error is None and not self._malformed

    @property
    def error(self) -> Json | None:
        """The `error` object of an error event, if the stream carried one."""
        return self._error

    @property
    def model(self) -> str | None:
        return None if self._start is None else self._start.get("model")

    @property
    def stop_reason(self) -> str | None:
        return self._delta.get("stop_reason")

    def message(self) -> Json:
        """The non-streaming message this stream amounts to. Raises ValueError without a message_start."""
        if self._start is None:
            raise ValueError("the stream has no message_start event")
        message = {**self._start, **self._delta, "usage": dict(self._usage)}
        message["content"] = [self._blocks[i].build() for i in sorted(self._blocks)]
        return message


def _loads_or(text: str, default: Any) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return default


def _error_of(data: Json) -> Json:
    error = data.get("error")
    return error if isinstance(error, dict) else {"type": "api_error", "message": str(error)}


def sse_to_message(raw: bytes) -> Json:
    """The message a complete SSE stream carries. Raises ValueError if it did not complete."""
    accumulator = MessageAccumulator()
    for start in range(0, len(raw), _FEED_SLICE):  # the parser's buffer work grows with the chunk: keep it small
        accumulator.feed_bytes(raw[start : start + _FEED_SLICE])
    accumulator.close()
    if not accumulator.completed:
        raise ValueError("the stream did not complete")
    return accumulator.message()


def message_to_sse(message: Mapping[str, Any]) -> bytes:
    """A valid Anthropic stream for a complete message, as the API would have sent it."""
    content = message.get("content") or []
    events = [encode_event("message_start", {"type": "message_start", "message": _start_of(message)})]
    for index, block in enumerate(content):
        events.extend(_block_events(index, block))
    events.append(encode_event("message_delta", _delta_of(message)))
    events.append(encode_event("message_stop", {"type": "message_stop"}))
    return b"".join(events)


def _start_of(message: Mapping[str, Any]) -> Json:
    usage = message.get("usage") or {}
    start_usage = {k: v for k, v in usage.items() if k not in _OUTPUT_USAGE}
    start_usage["output_tokens"] = 0
    start = {**message, "content": [], "usage": start_usage, "stop_reason": None, "stop_sequence": None}
    if "stop_details" in message:
        start["stop_details"] = None
    return start


def _delta_of(message: Mapping[str, Any]) -> Json:
    delta = {field: message.get(field) for field in _DELTA_FIELDS if field in message}
    delta.setdefault("stop_reason", None)
    delta.setdefault("stop_sequence", None)
    return {"type": "message_delta", "delta": delta, "usage": dict(message.get("usage") or {})}


def _block_events(index: int, block: Mapping[str, Any]) -> Iterator[bytes]:
    start, deltas = _split_block(block)
    head = {"type": "content_block_start", "index": index, "content_block": start}
    yield encode_event("content_block_start", head)
    for delta in deltas:
        payload = {"type": "content_block_delta", "index": index, "delta": delta}
        yield encode_event("content_block_delta", payload)
    yield encode_event("content_block_stop", {"type": "content_block_stop", "index": index})


def _split_block(block: Mapping[str, Any]) -> tuple[Json, list[Json]]:
    """A block as its empty start block and the deltas that fill it."""
    kind = block.get("type")
    if kind == "text":
        return _split_text(block)
    if kind == "thinking":
        return _split_thinking(block)
    if kind in _STREAMED_INPUT:
        partial = orjson.dumps(block.get("input", {})).decode()
        return {**block, "input": {}}, [{"type": "input_json_delta", "partial_json": partial}]
    return dict(block), []  # redacted_thinking, tool results and unknown types arrive whole


def _split_text(block: Mapping[str, Any]) -> tuple[Json, list[Json]]:
    start = {**block, "text": ""}
    deltas = [{"type": "citations_delta", "citation": c} for c in block.get("citations") or ()]
    if deltas:
        start["citations"] = []
    if block.get("text"):
        deltas.append({"type": "text_delta", "text": block["text"]})
    return start, deltas


def _split_thinking(block: Mapping[str, Any]) -> tuple[Json, list[Json]]:
    start = {**block, "thinking": "", "signature": ""}
    deltas = [{"type": "thinking_delta", "thinking": block.get("thinking", "")}]
    if "signature" in block:
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    return start, deltas
