"""Read translated Anthropic output with the real `anthropic` SDK: validate each event against its types
and accumulate a stream with the SDK's own accumulation code."""

from __future__ import annotations

from typing import Any

import orjson
import pydantic
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent

_EVENT = pydantic.TypeAdapter(RawMessageStreamEvent)

Event = tuple[str, dict[str, Any]]


def parse_sse(raw: bytes) -> list[Event]:
    """(event name, data) pairs; written apart from cco's parser so the two check each other."""
    events = []
    for frame in raw.decode().split("\n\n"):
        if not frame.strip():
            continue
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((lines["event"], orjson.loads(lines["data"])))
    return events


def sdk_events(raw: bytes) -> list[Any]:
    """Each event validated (not just constructed) as the SDK's RawMessageStreamEvent."""
    validated = []
    for name, data in parse_sse(raw):
        assert data["type"] == name, f"event name {name!r} differs from its data type {data['type']!r}"
        validated.append(_EVENT.validate_python(data))
    return validated


def sdk_accumulate(raw: bytes) -> Message:
    """The final message the SDK builds from the stream, validated as a Message."""
    snapshot: Any = None
    buffers: dict[int, bytes] = {}
    for event in sdk_events(raw):
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None, "no events"
    return Message.model_validate(snapshot.model_dump())
