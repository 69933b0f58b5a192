"""A route's `when`: conditions on what a request is, beside the model-name pattern.

All given conditions must hold. They read a request's facts (agent, class, thinking, tools, estimated input
tokens, project, headers) through `RequestFacts`, which the route step computes lazily and at most once per
request: a condition that is not asked about costs nothing.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any, Protocol

from cco_tui.config.errors import ConfigError

AGENTS = ("main", "subagent")
WHEN_KEYS = (
    "agent",
    "request_class",
    "agent_type",
    "thinking",
    "tools",
    "tool",
    "min_input_tokens",
    "max_input_tokens",
    "project",
    "header",
)


class RequestFacts(Protocol):
    """What conditions may ask of a request (each computed on first use)."""

    def agent(self) -> str: ...
    def request_class(self) -> str: ...
    def agent_type(self) -> str | None: ...
    def thinking(self) -> bool: ...
    def tools(self) -> bool: ...
    def tool_names(self) -> tuple[str, ...]: ...
    def input_tokens(self) -> int: ...
    def project(self) -> str: ...
    def header(self, name: bytes) -> str | None: ...


@dataclass(frozen=True, slots=True)
class When:
    agent: str | None = None
    request_class: re.Pattern[str] | None = None
    agent_type: re.Pattern[str] | None = None
    thinking: bool | None = None
    tools: bool | None = None
    tool: re.Pattern[str] | None = None  # some offered tool's name fits (web_search for the server tool)
    min_input_tokens: int | None = None
    max_input_tokens: int | None = None
    project: re.Pattern[str] | None = None
    headers: tuple[tuple[bytes, re.Pattern[str]], ...] = ()
    reason: str = ""  # the conditions as written, for records and x-cco-route

    def holds(self, facts: RequestFacts) -> bool:
        """Cheap checks first; the token estimate (a walk over the body) only when everything else held."""
        return (
            (self.agent is None or facts.agent() == self.agent)
            and (self.thinking is None or facts.thinking() == self.thinking)
            and (self.tools is None or facts.tools() == self.tools)
            and (self.request_class is None or _fits(self.request_class, facts.request_class()))
            and (self.agent_type is None or _fits(self.agent_type, facts.agent_type()))
            and (self.tool is None or _any_tool(self.tool, facts.tool_names()))
            and all(_fits(pattern, facts.header(name)) for name, pattern in self.headers)
            and (self.project is None or _fits(self.project, facts.project()))
            and self._tokens_fit(facts)
        )

    def _tokens_fit(self, facts: RequestFacts) -> bool:
        if self.min_input_tokens is None and self.max_input_tokens is None:
            return True
        tokens = facts.input_tokens()
        low = self.min_input_tokens is None or tokens >= self.min_input_tokens
        return low and (self.max_input_tokens is None or tokens <= self.max_input_tokens)


_TOOL_HITS_LIMIT = 4096
_tool_hits: dict[tuple[str, tuple[str, ...]], bool] = {}


def _any_tool(pattern: re.Pattern[str], names: tuple[str, ...]) -> bool:
    """Remembered per tool list: Claude Code offers the same 12-30 tools on every turn, and matching each name
    would cost more than the rest of the conditions together."""
    key = (pattern.pattern, names)
    hit = _tool_hits.get(key)
    if hit is None:
        if len(_tool_hits) >= _TOOL_HITS_LIMIT:
            _tool_hits.clear()
        hit = _tool_hits[key] = any(pattern.match(name) for name in names)
    return hit


def _fits(pattern: re.Pattern[str], value: str | None) -> bool:
    return value is not None and pattern.match(value) is not None


def glob(value: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(value))


# --- parsing --------------------------------------------------------------------------------------------------


def parse_when(value: Any, key: str, file: str) -> When | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise ConfigError(file, key, "must be a non-empty object of conditions")
    unknown = sorted(name for name in value if name not in WHEN_KEYS)
    if unknown:
        raise ConfigError(file, f"{key}.{unknown[0]}", f"unknown condition (known: {', '.join(WHEN_KEYS)})")
    low, high = _tokens(value, "min_input_tokens", key, file), _tokens(value, "max_input_tokens", key, file)
    if low is not None and high is not None and low > high:
        raise ConfigError(file, f"{key}.max_input_tokens", f"is below min_input_tokens ({high} < {low})")
    return When(
        agent=_agent(value, key, file),
        request_class=_glob(value, "request_class", key, file),
        agent_type=_glob(value, "agent_type", key, file),
        thinking=_flag(value, "thinking", key, file),
        tools=_flag(value, "tools", key, file),
        tool=_glob(value, "tool", key, file),
        min_input_tokens=low,
        max_input_tokens=high,
        project=_glob(value, "project", key, file),
        headers=_headers(value, key, file),
        reason=describe(value),
    )


def describe(value: dict[str, Any]) -> str:
    """`agent=subagent, min_input_tokens=60000`: short, stable, no header values beyond what the config says."""
    parts: list[str] = []
    for name in WHEN_KEYS:
        if name == "header" and name in value:
            parts.extend(f"header {header}={glob_}" for header, glob_ in value[name].items())
        elif name in value:
            shown = str(value[name]).lower() if isinstance(value[name], bool) else value[name]
            parts.append(f"{name}={shown}")
    return ", ".join(parts)


def _agent(value: dict[str, Any], key: str, file: str) -> str | None:
    agent = value.get("agent")
    if agent is not None and agent not in AGENTS:
        raise ConfigError(file, f"{key}.agent", f"must be 'main' or 'subagent', got {agent!r}")
    return agent if isinstance(agent, str) else None


def _glob(value: dict[str, Any], name: str, key: str, file: str) -> re.Pattern[str] | None:
    given = value.get(name)
    if given is None:
        return None
    if not isinstance(given, str) or not given:
        raise ConfigError(file, f"{key}.{name}", f"must be a non-empty string (a glob), got {given!r}")
    return glob(given)


def _flag(value: dict[str, Any], name: str, key: str, file: str) -> bool | None:
    given = value.get(name)
    if given is not None and not isinstance(given, bool):
        raise ConfigError(file, f"{key}.{name}", f"must be true or false, got {given!r}")
    return given


def _tokens(value: dict[str, Any], name: str, key: str, file: str) -> int | None:
    given = value.get(name)
    if given is not None and (isinstance(given, bool) or not isinstance(given, int) or given < 0):
        raise ConfigError(file, f"{key}.{name}", f"must be a non-negative integer, got {given!r}")
    return given


def _headers(value: dict[str, Any], key: str, file: str) -> tuple[tuple[bytes, re.Pattern[str]], ...]:
    given = value.get("header")
    if given is None:
        return ()
    valid = isinstance(given, dict) and given and all(isinstance(v, str) for v in given.values())
    if not valid or not all(isinstance(name, str) and name.strip() for name in given):
        raise ConfigError(
            file, f"{key}.header", 'must be an object of header name to value glob, e.g. {"x-team": "web*"}'
        )
    return tuple((name.strip().lower().encode("latin-1"), glob(pattern)) for name, pattern in given.items())
