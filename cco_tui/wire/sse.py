"""Server-sent events: an incremental parser for relayed streams and an encoder for streams we make.

The parser never holds the relay back: it is fed each chunk after the chunk has been passed on, and
returns the events that chunk completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(slots=True, frozen=True)
class SSEEvent:
    """One complete event: its `event:` name (default "message") and its joined `data:` lines."""

    event: str
    data: str

    def json(self) -> Any:
        """The data parsed as JSON (Anthropic and OpenAI both send JSON objects)."""
        return orjson.loads(self.data)


class SSEParser:
    """Turns a byte stream into events, however the bytes are split across chunks."""

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Consume a chunk; return the events it completed, in order."""
        buffer = self._buffer + chunk if self._buffer else chunk
        events: list[SSEEvent] = []
        start = 0
        while (newline := buffer.find(b"\n", start)) >= 0:
            line = buffer[start:newline].rstrip(b"\r").decode("utf-8", "replace")
            start = newline + 1  # an offset, not a re-slice: large chunks stay linear
            event = self._take_line(line)
            if event is not None:
                events.append(event)
        self._buffer = buffer[start:]
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream: a last event without its blank line still counts."""
        events = self.feed(b"\n") if self._buffer else []
        last = self._take_line("")
        return [*events, last] if last is not None else events

    def _take_line(self, line: str) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment, used as a keep-alive by some servers
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data and not self._event:
            return None
        event = SSEEvent(self._event or "message", "\n".join(self._data))
        self._event = ""
        self._data = []
        return event


def encode_event(event: str, data: Any) -> bytes:
    """One event in Anthropic's framing: `event:` line, one `data:` line of compact JSON, blank line."""
    payload = data if isinstance(data, bytes) else orjson.dumps(data)
    return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"
