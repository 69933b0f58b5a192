"""A whole (non-streamed) Chat Completions response -> an Anthropic Messages response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from .content import JSON, TEXT_JOINER
from .errors import UpstreamFormatError
from .ids import message_id, tool_use_id
from .tool_names import NameMap, original_tool_name
from .usage import anthropic_usage, stop_reason


def to_anthropic_message(chat_response: Mapping[str, Any], requested_model: str, name_map: NameMap) -> JSON:
    """The Anthropic message for a chat completion; `model` is the one the client asked for.

    Raises UpstreamFormatError when the response has no choice to translate.
    """
    choice = _first_choice(chat_response)
    message = choice.get("message") or {}
    tool_uses = tool_use_blocks(message.get("tool_calls"), name_map)
    return {
        "id": message_id(chat_response.get("id")),
        "type": "message",
        "role": "assistant",
        "model": requested_model,
        "content": _text_blocks(message) + tool_uses,
        "stop_reason": stop_reason(choice.get("finish_reason"), bool(tool_uses)),
        "stop_sequence": None,
        "usage": anthropic_usage(chat_response.get("usage")),
    }


def tool_use_blocks(tool_calls: Iterable[Mapping[str, Any]] | None, name_map: NameMap) -> list[JSON]:
    return [_tool_use_block(call, name_map) for call in tool_calls or ()]


def parse_arguments(arguments: Any) -> JSON:
    """Tool arguments as the object Anthropic's `input` must be. Some servers send an object instead of
    a JSON string; text that is not a JSON object is kept under `_raw_arguments` rather than lost, so
    the tool's input validation reports it to the model."""
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {"_raw_arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"_raw_arguments": arguments}


def _first_choice(chat_response: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = chat_response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UpstreamFormatError("upstream response has no choices")
    return choices[0]


def _text_blocks(message: Mapping[str, Any]) -> list[JSON]:
    text = _content_text(message.get("content")) or _content_text(message.get("refusal"))
    return [{"type": "text", "text": text}] if text else []


def _content_text(content: Any) -> str:
    """Content is a string, or (some servers) a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return TEXT_JOINER.join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("text"))
    return ""


def _tool_use_block(call: Mapping[str, Any], name_map: NameMap) -> JSON:
    function = call.get("function") or {}
    return {
        "type": "tool_use",
        "id": tool_use_id(call.get("id")),
        "name": original_tool_name(function.get("name") or "", name_map),
        "input": parse_arguments(function.get("arguments")),
    }
