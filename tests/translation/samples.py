"""Request bodies shaped like what Claude Code sends (see shared/reference/claude-code.md)."""

from __future__ import annotations

from typing import Any

LONG_MCP_NAME = "mcp__a_very_long_server_name_for_tests__and_an_equally_long_tool_name_that_overflows"
CACHE = {"type": "ephemeral"}


def tool(name: str, description: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties)[:1],
        "additionalProperties": False,
        "$schema": "http://json-schema.org/draft-07/schema#",
    }
    return {"name": name, "description": description, "input_schema": schema, **extra}


def claude_code_tools(count: int = 24, description_chars: int = 1500) -> list[dict[str, Any]]:
    """`count` tools with long descriptions, like Claude Code's built-ins plus MCP tools."""
    filler = "Use this tool carefully; it reads and writes files in the working directory. " * 40
    tools = [tool("Bash", filler[:description_chars], {"command": {"type": "string"}, "timeout": {"type": "number"}})]
    for n in range(1, count - 1):
        tools.append(
            tool(f"Tool{n}", filler[:description_chars], {"path": {"type": "string"}, "limit": {"type": "integer"}})
        )
    tools.append(
        tool(
            LONG_MCP_NAME,
            "An MCP tool with a long name.",
            {"query": {"type": "string"}},
            cache_control=CACHE,
            defer_loading=True,
            strict=True,
        )
    )
    return tools


def claude_code_request(
    user_text: str = "List the files here.", stream: bool = True, system_chars: int = 30000, tools: int = 24
) -> dict[str, Any]:
    """A first-turn-plus-one-tool-round request with every Anthropic-only field Claude Code sends."""
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.332;"},
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude.", "cache_control": CACHE},
        {"type": "text", "text": ("Follow the instructions. " * 2000)[:system_chars], "cache_control": CACHE},
    ]
    messages = [
        {"role": "system", "content": "Primary working directory: /home/dev/project"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "<system-reminder>Context.</system-reminder>"},
                {"type": "text", "text": user_text, "cache_control": CACHE},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should list files.", "signature": "c2lnbmF0dXJl"},
                {"type": "text", "text": "I'll list them."},
                {"type": "tool_use", "id": "toolu_01", "name": "Bash", "input": {"command": "ls"}},
                {"type": "tool_use", "id": "toolu_02", "name": LONG_MCP_NAME, "input": {"query": "files"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "README.md\nsrc\n"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_02",
                    "is_error": True,
                    "content": [{"type": "text", "text": "<tool_use_error>not found</tool_use_error>"}],
                },
                {"type": "text", "text": "Now summarise.", "cache_control": CACHE},
            ],
        },
    ]
    return {
        "model": "gpt-4o",
        "max_tokens": 32000,
        "stream": stream,
        "system": system,
        "messages": messages,
        "tools": claude_code_tools(tools),
        "metadata": {"user_id": '{"device_id":"d","session_id":"s"}'},
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "output_config": {"effort": "medium"},
        "temperature": 1,
    }
