"""Tool names OpenAI accepts, and the way back."""

from __future__ import annotations

import re

from cco_tui.providers.openai_translate import openai_tool_name, original_tool_name, tool_name_map

VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_valid_names_are_unchanged() -> None:
    for name in ("Bash", "mcp__github__create_issue", "a" * 64, "x-y_z"):
        assert openai_tool_name(name) == name


def test_long_names_are_shortened_deterministically_and_stay_distinct() -> None:
    first, second = "mcp__server__" + "a" * 80, "mcp__server__" + "a" * 79 + "b"
    assert VALID.fullmatch(openai_tool_name(first)) and len(openai_tool_name(first)) == 64
    assert openai_tool_name(first) == openai_tool_name(first)
    assert openai_tool_name(first) != openai_tool_name(second)
    assert openai_tool_name(first).startswith("mcp__server__aaa")


def test_invalid_characters_are_replaced() -> None:
    renamed = openai_tool_name("my.tool name")
    assert VALID.fullmatch(renamed) and renamed.startswith("my_tool_name_")


def test_the_map_covers_tools_and_history_and_only_renamed_names() -> None:
    long_tool, long_history = "t" * 70, "h" * 70
    body = {
        "tools": [{"name": "Bash"}, {"name": long_tool}],
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "1", "name": long_history, "input": {}}]},
        ],
    }
    name_map = tool_name_map(body)
    assert name_map == {openai_tool_name(long_tool): long_tool, openai_tool_name(long_history): long_history}
    assert original_tool_name(openai_tool_name(long_tool), name_map) == long_tool
    assert original_tool_name("Bash", name_map) == "Bash"
