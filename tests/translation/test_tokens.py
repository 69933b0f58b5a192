"""count_tokens estimates for translated routes: honest, never 0."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from cco_tui.providers.openai_translate import estimate_input_tokens
from tests.translation.samples import claude_code_request

IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A" * 200_000}}


def test_a_tiny_request_is_never_zero() -> None:
    assert estimate_input_tokens({"messages": [{"role": "user", "content": "hi"}]}) >= 1
    assert estimate_input_tokens({"messages": [{"role": "user", "content": ""}]}) >= 1
    assert estimate_input_tokens({}) >= 1


def test_about_four_characters_per_token() -> None:
    estimate = estimate_input_tokens({"messages": [{"role": "user", "content": "x" * 4000}]})
    assert 1000 <= estimate <= 1100


def test_tools_and_system_count() -> None:
    body = claude_code_request()
    bare = {"messages": body["messages"]}
    with_system = {**bare, "system": body["system"]}
    with_tools = {**with_system, "tools": body["tools"]}
    estimates = [estimate_input_tokens(body) for body in (bare, with_system, with_tools)]
    assert estimates == sorted(set(estimates))


def test_claude_code_request_is_in_the_right_range() -> None:
    body = claude_code_request()
    size = len(orjson.dumps(body))
    assert size // 8 < estimate_input_tokens(body) < size // 3


def test_images_cost_a_fixed_amount_not_their_base64_size() -> None:
    look = {"role": "user", "content": [{"type": "text", "text": "look"}]}
    text_only: dict[str, Any] = {"messages": [look]}
    with_image = copy.deepcopy(text_only)
    with_image["messages"][0]["content"].append(IMAGE)
    added = estimate_input_tokens(with_image) - estimate_input_tokens(text_only)
    assert 500 <= added <= 3000


def test_markers_that_are_not_sent_do_not_count() -> None:
    plain = claude_code_request()
    marked = copy.deepcopy(plain)
    for block in marked["system"]:
        block["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
    assert estimate_input_tokens(plain) == estimate_input_tokens(marked)


def test_tool_use_input_and_results_count() -> None:
    call = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "t", "name": "Bash", "input": {"command": "y" * 400}}],
    }
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "z" * 400}]}
    base = estimate_input_tokens({"messages": []})
    assert estimate_input_tokens({"messages": [call]}) > base + 100
    assert estimate_input_tokens({"messages": [result]}) > base + 100
