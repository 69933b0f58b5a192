"""Message and tool-use ids in the alphabet Anthropic clients accept."""

from __future__ import annotations

import re
import uuid

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def message_id(upstream_id: object) -> str:
    """`msg_` + the upstream completion id (kept for tracing), or a fresh id when there is none."""
    if isinstance(upstream_id, str) and upstream_id:
        return f"msg_{_UNSAFE.sub('_', upstream_id)}"
    return new_message_id()


def tool_use_id(upstream_id: object) -> str:
    """The upstream call id made safe for Anthropic (`[A-Za-z0-9_-]+`); the client echoes it back in its
    tool_result and we send it upstream again as `tool_call_id`, so only consistency matters."""
    if isinstance(upstream_id, str) and upstream_id:
        return _UNSAFE.sub("_", upstream_id)
    return f"toolu_{uuid.uuid4().hex[:24]}"
