"""Tool names OpenAI accepts, and the way back to the names the client knows.

OpenAI limits function names to 64 characters of `[A-Za-z0-9_-]`; Anthropic allows longer names (MCP tools
often exceed 64). A name that does not fit is shortened to a prefix plus a hash of the full name, so the same
name always maps to the same short name and different names stay different.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

_VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_INVALID_CHAR = re.compile(r"[^A-Za-z0-9_-]")
_PREFIX_CHARS = 55  # 55 + "_" + 8 hex digits = 64

NameMap = Mapping[str, str]
"""Short (OpenAI-side) name -> original (client-side) name, only for names that had to change."""


@lru_cache(maxsize=1024)
def openai_tool_name(name: str) -> str:
    """The name to send upstream: unchanged when valid, else a deterministic valid replacement."""
    if _VALID.fullmatch(name):
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{_INVALID_CHAR.sub('_', name)[:_PREFIX_CHARS]}_{digest}"


def tool_name_map(body: Mapping[str, Any]) -> dict[str, str]:
    """The reverse map for one request: every renamed tool name in `tools` and in the history."""
    renamed = ((openai_tool_name(name), name) for name in _tool_names(body))
    return {short: name for short, name in renamed if short != name}


def original_tool_name(name: str, name_map: NameMap) -> str:
    """The client's name for a tool the upstream called by `name`."""
    return name_map.get(name, name)


def _tool_names(body: Mapping[str, Any]) -> Iterator[str]:
    for tool in body.get("tools") or ():
        if isinstance(tool.get("name"), str):
            yield tool["name"]
    for message in body.get("messages") or ():
        content = message.get("content")
        if isinstance(content, list):
            yield from (b["name"] for b in content if b.get("type") == "tool_use" and "name" in b)
