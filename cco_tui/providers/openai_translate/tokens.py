"""An honest input-token estimate for `count_tokens` on routes whose upstream cannot count for us, and for
routes' `min_input_tokens` / `max_input_tokens` conditions (one estimate, so both agree).

About four characters per token over everything the upstream will read (system, messages, tool
definitions), a fixed cost per image and per message. Never 0 for a request: Claude Code uses the count to
decide when to compact, and 0 would tell it the context is empty.

It runs on the request path of conditional routes, so it is one walk over the parsed body, and a tool
definition's size is remembered: Claude Code sends the same 12-30 tools (most of an 80 KB body) on every turn.
A remembered tool list is recognised by each tool's name and description length, not its full text: hashing
60 KB of text per request would cost what the memo saves; a tool whose schema changed while both stayed the
same is estimated as before its change (an estimate, not a bill).
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
_TOOL_MEMO_LIMIT = 4096
_tool_memo: dict[tuple[Any, ...], int] = {}


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    messages = body.get("messages") or []
    counts = [0, 0]  # characters, images
    _walk(body.get("system"), counts)
    _walk(messages, counts)
    chars = counts[0] + _tool_chars(body.get("tools"))
    tokens = -(-chars // _CHARS_PER_TOKEN) + _TOKENS_PER_MESSAGE * len(messages)
    return max(1, tokens + _TOKENS_PER_IMAGE * counts[1])


def _walk(value: Any, counts: list[int]) -> None:
    """Adds the characters of the text in a content value (skipping ids, markers and binary payloads) and the
    images in it to `counts`."""
    if isinstance(value, str):
        counts[0] += len(value)
    elif isinstance(value, list):
        for item in value:
            _walk(item, counts)
    elif isinstance(value, dict):  # parsed JSON: a dict check is much cheaper than the Mapping ABC's
        _walk_mapping(value, counts)


def _walk_mapping(value: dict[str, Any], counts: list[int]) -> None:
    kind = value.get("type")
    if kind == "image":
        counts[1] += 1
    if kind in _NOT_SENT or ("data" in value and kind != "text"):  # base64 images and PDFs
        _count_images(value, counts, own=False)
        return
    if kind == "tool_use":
        counts[0] += len(str(value.get("name", ""))) + len(orjson.dumps(value.get("input") or {}))
        _count_images(value, counts, own=False)
        return
    for key, item in value.items():
        if key not in _NOT_READ:
            _walk(item, counts)
        elif isinstance(item, list | dict):
            _count_images(item, counts)


def _count_images(value: Any, counts: list[int], own: bool = True) -> None:
    """Images inside parts whose text is not read (an image in a skipped block still costs its tokens)."""
    if isinstance(value, list):
        for item in value:
            _count_images(item, counts)
    elif isinstance(value, dict):
        if own and value.get("type") == "image":
            counts[1] += 1
        for item in value.values():
            if isinstance(item, list | dict):
                _count_images(item, counts)


def _tool_chars(tools: Any) -> int:
    """Tool definitions as the upstream reads them: name, description and the JSON schema."""
    if not isinstance(tools, list) or not tools:
        return 0
    try:
        key = tuple([(tool["name"], len(tool["description"])) for tool in tools])
    except (TypeError, KeyError):  # not Claude Code's usual shape: measure without remembering
        return _measure_tools(tools)
    chars = _tool_memo.get(key)
    if chars is None:
        if len(_tool_memo) >= _TOOL_MEMO_LIMIT:
            _tool_memo.clear()
        chars = _tool_memo[key] = _measure_tools(tools)
    return chars


def _measure_tools(tools: list[Any]) -> int:
    return sum(len(orjson.dumps(_readable_tool(tool))) for tool in tools if isinstance(tool, Mapping))


def _readable_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    return {key: tool[key] for key in ("name", "description", "input_schema") if key in tool}
