"""Content types cco sends and recognises, spelled once."""

from __future__ import annotations

JSON = "application/json"
SSE = "text/event-stream; charset=utf-8"
SSE_BARE = "text/event-stream"  # what to look for in an upstream's content-type
JSON_BYTES = JSON.encode()
SSE_BYTES = SSE.encode()


def is_event_stream(content_type: str | None) -> bool:
    return SSE_BARE in (content_type or "")
