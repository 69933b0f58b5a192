"""Anthropic Messages request body -> OpenAI Chat Completions request body.

Only what Chat Completions can express is carried over. Anthropic-only fields (metadata, thinking,
context_management, output_config, cache_control, defer_loading, top_k, …) are dropped by construction:
the output is built from the fields we know, never copied from the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import orjson

from .content import JSON, Block, collapse, image_part, plain_text, user_parts
from .tool_names import openai_tool_name, tool_name_map

__all__ = ["chat_messages", "to_chat_request", "tool_name_map"]  # the name map travels with the request

TokenField = Literal["max_tokens", "max_completion_tokens"]

_TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}


def to_chat_request(
    body: Mapping[str, Any],
    upstream_model: str,
    stream: bool,
    *,
    max_tokens_cap: int | None = None,
    token_field: TokenField = "max_tokens",
) -> JSON:
    """The Chat Completions body for an Anthropic Messages body.

    `max_tokens_cap` clamps `max_tokens` (Claude Code asks for 32k+, which many models refuse);
    `token_field` names the limit field (newer OpenAI models accept only `max_completion_tokens`).
    Tool names are passed through `openai_tool_name`; map them back with `tool_name_map(body)`.
    """
    chat: JSON = {"model": upstream_model, "messages": chat_messages(body)}
    chat.update(_limits(body, max_tokens_cap, token_field))
    chat.update(_sampling(body))
    chat.update(_tooling(body))
    chat.update(_streaming(stream))
    return chat


def chat_messages(body: Mapping[str, Any]) -> list[JSON]:
    """The leading system message, then each Anthropic message as one or more chat messages, in order."""
    messages = _system_messages(body.get("system"))
    for message in body.get("messages") or ():
        messages.extend(_translate_message(message))
    return messages


def _system_messages(system: str | Iterable[Block] | None) -> list[JSON]:
    text = plain_text(system)
    return [{"role": "system", "content": text}] if text else []


def _translate_message(message: Mapping[str, Any]) -> list[JSON]:
    role, content = message.get("role"), message.get("content")
    if role == "system":  # carries the working directory in newer Claude Code builds: keep it in place
        return _system_messages(content)
    if role == "assistant":
        return _assistant_messages(content)
    return _user_messages(content)


def _user_messages(content: str | Iterable[Block] | None) -> list[JSON]:
    """Tool results first (they must follow the assistant's calls), then the rest of the user turn."""
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    tool_messages: list[JSON] = []
    attachments: list[JSON] = []
    parts: list[JSON] = []
    for block in content or ():
        if block.get("type") == "tool_result":
            tool_messages.append(_tool_message(block))
            attachments.extend(_tool_result_images(block))
        else:
            parts.extend(user_parts(block))
    rest = attachments + parts
    return tool_messages + ([{"role": "user", "content": collapse(rest)}] if rest else [])


def _tool_message(block: Block) -> JSON:
    content = block.get("content")
    text = plain_text(content)
    if not text and _tool_result_images(block):
        text = "(the tool returned an image; it follows in the next message)"
    return {"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text}


def _tool_result_images(block: Block) -> list[JSON]:
    """Tool messages take text only, so images a tool returned travel in the following user message."""
    content = block.get("content")
    if not isinstance(content, list):
        return []
    return [image_part(item.get("source") or {}) for item in content if item.get("type") == "image"]


def _assistant_messages(content: str | Iterable[Block] | None) -> list[JSON]:
    if isinstance(content, str):
        return [{"role": "assistant", "content": content}]
    blocks = list(content or ())
    text = plain_text(b for b in blocks if b.get("type") == "text")
    calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
    if not calls:  # thinking-only turns carry nothing Chat Completions can use
        return [{"role": "assistant", "content": text}] if text else []
    return [{"role": "assistant", "content": text or None, "tool_calls": calls}]


def _tool_call(block: Block) -> JSON:
    arguments = orjson.dumps(block.get("input") or {}).decode()
    function = {"name": openai_tool_name(block.get("name", "")), "arguments": arguments}
    return {"id": block.get("id", ""), "type": "function", "function": function}


def _limits(body: Mapping[str, Any], cap: int | None, field: TokenField) -> JSON:
    limits: JSON = {}
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int):
        limits[field] = min(max_tokens, cap) if cap else max_tokens
    if body.get("stop_sequences"):
        limits["stop"] = list(body["stop_sequences"])
    return limits


def _sampling(body: Mapping[str, Any]) -> JSON:
    return {key: body[key] for key in ("temperature", "top_p") if body.get(key) is not None}


def _tooling(body: Mapping[str, Any]) -> JSON:
    """Client tools as functions; server tools (web search, …) cannot run upstream and are left out."""
    tools = [_function_tool(tool) for tool in body.get("tools") or () if "input_schema" in tool]
    if not tools:  # OpenAI rejects tool_choice / parallel_tool_calls without tools
        return {}
    return {"tools": tools, **_tool_choice(body.get("tool_choice"))}


def _function_tool(tool: Block) -> JSON:
    function: JSON = {"name": openai_tool_name(tool.get("name", ""))}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = tool["input_schema"]
    return {"type": "function", "function": function}


def _tool_choice(choice: Block | None) -> JSON:
    if not choice:
        return {}
    mapped: JSON = {}
    kind = choice.get("type")
    if kind == "tool":
        mapped["tool_choice"] = {"type": "function", "function": {"name": openai_tool_name(choice["name"])}}
    elif kind in _TOOL_CHOICES:
        mapped["tool_choice"] = _TOOL_CHOICES[kind]
    if choice.get("disable_parallel_tool_use"):
        mapped["parallel_tool_calls"] = False
    return mapped


def _streaming(stream: bool) -> JSON:
    if stream:  # without include_usage OpenAI sends no usage at all in a stream
        return {"stream": True, "stream_options": {"include_usage": True}}
    return {"stream": False}
