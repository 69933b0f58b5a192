"""An honest input-token estimate for `count_tokens` on routes whose upstream cannot count for us.

About four characters per token over everything the upstream will read (system, messages, tool
definitions), a fixed cost per image and per message. Never 0 for a request: Claude Code uses the count to
decide when to compact, and 0 would tell it the context is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

_CHARS_PER_TOKEN = 4
_TOKENS_PER_MESSAGE = 4  # role markers and separators in chat templates
_TOKENS_PER_IMAGE = 1600  # a typical screenshot; the real cost depends on the pixels
_NOT_SENT = frozenset({"image", "thinking", "redacted_thinking", "base64"})  # images are counted apart
_NOT_READ = frozenset({"cache_control", "signature", "id", "tool_use_id", "type", "media_type"})


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    messages = body.get("messages") or []
    chars = _chars(body.get("system")) + _chars(messages) + _tool_chars(body.get("tools"))
    tokens = -(-chars // _CHARS_PER_TOKEN) + _TOKENS_PER_MESSAGE * len(messages)
    return max(1, tokens + _TOKENS_PER_IMAGE * _images(messages))


def _chars(value: Any) -> int:
    """Characters of the text in a content value, skipping ids, markers and binary payloads."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(_chars(item) for item in value)
    if not isinstance(value, Mapping) or value.get("type") in _NOT_SENT:
        return 0
    if "data" in value and value.get("type") != "text":  # base64 images and PDFs
        return 0
    if value.get("type") == "tool_use":
        return len(str(value.get("name", ""))) + len(orjson.dumps(value.get("input") or {}))
    return sum(_chars(item) for key, item in value.items() if key not in _NOT_READ)


def _tool_chars(tools: Any) -> int:
    """Tool definitions as the upstream reads them: name, description and the JSON schema."""
    if not isinstance(tools, list):
        return 0
    return sum(len(orjson.dumps(_readable_tool(tool))) for tool in tools if isinstance(tool, Mapping))


def _readable_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    return {key: tool[key] for key in ("name", "description", "input_schema") if key in tool}


def _images(value: Any) -> int:
    if isinstance(value, list):
        return sum(_images(item) for item in value)
    if not isinstance(value, Mapping):
        return 0
    own = 1 if value.get("type") == "image" else 0
    return own + sum(_images(item) for item in value.values() if isinstance(item, list | Mapping))
