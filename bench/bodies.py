"""Deterministic request bodies for benchmarks: a small one and a ~75 KB Claude-Code-shaped one."""

from __future__ import annotations

import random
from typing import Any

WORDS = (
    "file",
    "path",
    "command",
    "output",
    "search",
    "pattern",
    "directory",
    "content",
    "line",
    "edit",
    "string",
    "replace",
    "result",
    "user",
    "tool",
    "agent",
    "task",
    "shell",
    "timeout",
    "read",
)


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def tool(rng: random.Random, index: int) -> dict[str, Any]:
    properties = {f"param_{n}": {"type": "string", "description": prose(rng, 25)} for n in range(6)}
    return {
        "name": f"Tool{index}",
        "description": prose(rng, 150),
        "input_schema": {"type": "object", "properties": properties, "required": ["param_0"]},
    }


def small_body(model: str = "claude-sonnet-4-6", stream: bool = False) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 256,
        "stream": stream,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
    }


def claude_code_body(model: str = "claude-sonnet-4-6", stream: bool = False, tools: int = 24) -> dict[str, Any]:
    rng = random.Random(7)
    system = [
        {"type": "text", "text": "You are a coding agent."},
        {"type": "text", "text": prose(rng, 1800), "cache_control": {"type": "ephemeral"}},
        {
            "type": "text",
            "text": "Primary working directory: /home/dev/project\n" + prose(rng, 300),
            "cache_control": {"type": "ephemeral"},
        },
    ]
    return {
        "model": model,
        "max_tokens": 32000,
        "stream": stream,
        "system": system,
        "tools": [tool(rng, i) for i in range(tools)],
        "messages": [{"role": "user", "content": [{"type": "text", "text": prose(rng, 400)}]}],
        "metadata": {"user_id": '{"session_id":"bench"}'},
        "thinking": {"type": "adaptive"},
    }
