"""The strict request checker must reject what the openai SDK's types reject (else the properties prove
nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.translation.openai_contract import check_chat_request

GOOD: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "stream": False}


def test_a_good_request_passes() -> None:
    check_chat_request(GOOD)


@pytest.mark.parametrize(
    "change",
    [
        {"metadata_x": 1},
        {"messages": [{"role": "user", "content": "hi", "cache_control": {"type": "ephemeral"}}]},
        {"messages": [{"role": "robot", "content": "hi"}]},
        {"messages": [{"role": "tool", "content": "x"}]},
        {"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
        {
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": {}}}],
                }
            ]
        },
        {"max_tokens": "5"},
        {"tool_choice": "any"},
        {"tools": [{"type": "function", "function": {"name": "f", "input_schema": {}}}]},
        {"stream": True, "stream_options": {"include_usage": "yes"}},
    ],
)
def test_what_the_sdk_types_forbid_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        check_chat_request({**GOOD, **change})
