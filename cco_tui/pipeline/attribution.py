"""Which project a request belongs to: first match wins.

1. the `x-cco-project` header (users can set it with ANTHROPIC_CUSTOM_HEADERS);
2. the working directory Claude Code writes into the prompt (`Primary working directory: PATH`, or the older
   `<env>` … `Working directory: PATH`), found in system blocks or in system/user message text → the name of
   that path's git root when the path exists on this machine, else its last component;
3. "default".
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

PROJECT_HEADER = "x-cco-project"
DEFAULT_PROJECT = "default"
MAX_NAME_LENGTH = 200
# str.find runs at memory speed; a regex scan of a 30 KB system prompt costs ~100 µs per request.
_MARKER = "orking directory:"
_PREFIXES = ("Primary w", "W")  # "Primary working directory:" (new), "Working directory:" (<env>, old)
_SEARCHED_ROLES = frozenset({"system", "user"})
# Claude Code states the directory at the start of a conversation; later turns only add tool output and
# chat, so a long conversation is not rescanned on every request.
_SEARCHED_MESSAGES = 8


def project_from_request(headers: Mapping[str, str], body: dict[str, Any] | None) -> tuple[str, str | None]:
    """(project name, working directory found in the body or None)."""
    path = working_directory(body) if body is not None else None
    named = _clean_name(_header(headers, PROJECT_HEADER))
    if named:
        return named, path
    return (project_for_directory(path) if path else DEFAULT_PROJECT), path


def project_for_directory(path: str) -> str:
    """The project a directory belongs to: its git root's name, or its own name when that is unknown."""
    return _clean_name(_project_name(path)) or DEFAULT_PROJECT


def working_directory(body: Mapping[str, Any]) -> str | None:
    return next(filter(None, map(_find_directory, _prompt_texts(body))), None)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; HTTP header names are not
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def _clean_name(name: str | None) -> str | None:
    """Whitespace folded, control characters (terminal escapes) dropped, length capped."""
    printable = "".join(char for char in name if char.isprintable() or char.isspace()) if name else ""
    cleaned = " ".join(printable.split())[:MAX_NAME_LENGTH]
    return cleaned or None


def _find_directory(text: str) -> str | None:
    at = text.find(_MARKER)
    while at != -1:
        if any(text.startswith(prefix, at - len(prefix)) for prefix in _PREFIXES):
            end = len(text) if (newline := text.find("\n", at)) == -1 else newline
            path = text[at + len(_MARKER) : end].strip().strip("`'\"")
            if path:
                return path
        at = text.find(_MARKER, at + 1)
    return None


def _prompt_texts(body: Mapping[str, Any]) -> Iterator[str]:
    """System text first, then system/user message text, in order (the earliest mention wins)."""
    yield from _texts(body.get("system"))
    messages = body.get("messages")
    for message in messages[:_SEARCHED_MESSAGES] if isinstance(messages, list) else ():
        if isinstance(message, dict) and message.get("role") in _SEARCHED_ROLES:
            yield from _texts(message.get("content"))


def _texts(content: object) -> Iterator[str]:
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
                yield block["text"]


@functools.lru_cache(maxsize=1024)
def _project_name(path: str) -> str:
    """Cached: it walks the filesystem, and every request from one session names the same directory."""
    if os.path.isabs(path) and os.path.isdir(path):
        root = _git_root(os.path.realpath(path))
        return os.path.basename(root or os.path.realpath(path))
    return _last_component(path)


def _git_root(path: str) -> str | None:
    current = path
    while True:
        if os.path.exists(os.path.join(current, ".git")):  # a directory, or a file in worktrees/submodules
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _last_component(path: str) -> str:
    """Works for paths from other machines, including Windows ones."""
    parts = [part for part in re.split(r"[\\/]+", path) if part]
    return parts[-1] if parts else ""
