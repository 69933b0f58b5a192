"""OpenAI usage and finish_reason -> Anthropic usage and stop_reason, for whole and streamed answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .content import JSON

_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def stop_reason(finish_reason: str | None, made_tool_calls: bool) -> str:
    """Anthropic's stop_reason. Tool calls win over `stop` (Ollama says `stop` after a tool call),
    because without `tool_use` Claude Code never runs the tool; `length` still means truncated."""
    mapped = _STOP_REASONS.get(finish_reason or "", "end_turn")
    if made_tool_calls and mapped == "end_turn":
        return "tool_use"
    if not made_tool_calls and mapped == "tool_use":
        return "end_turn"
    return mapped


def anthropic_usage(usage: Mapping[str, Any] | None) -> JSON:
    """OpenAI's prompt_tokens include the cached ones; Anthropic's input_tokens are the uncached part."""
    usage = usage or {}
    prompt = _count(usage.get("prompt_tokens"))
    cached = min(cached_tokens(usage), prompt)
    return {
        "input_tokens": prompt - cached,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": _count(usage.get("completion_tokens")),
    }


def cached_tokens(usage: Mapping[str, Any]) -> int:
    """OpenAI reports `prompt_tokens_details.cached_tokens`; DeepSeek-style servers
    `prompt_cache_hit_tokens`."""
    details = usage.get("prompt_tokens_details") or {}
    return _count(details.get("cached_tokens")) or _count(usage.get("prompt_cache_hit_tokens"))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0
