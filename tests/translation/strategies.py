"""Hypothesis strategies for valid Anthropic Messages requests, shaped like real conversations: tool calls
answered by tool results in the next user turn, system entries in between, Anthropic-only fields here and
there."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]

texts = st.text(min_size=1, max_size=30)
tool_names = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True) | st.from_regex(
    r"[A-Za-z0-9_-]{60,90}", fullmatch=True
)  # OpenAI stops at 64
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=15)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
tool_inputs = st.dictionaries(st.text(max_size=10), json_values, max_size=4)
cache_control = st.sampled_from(
    [{}, {"cache_control": {"type": "ephemeral"}}, {"cache_control": {"type": "ephemeral", "ttl": "1h"}}]
)


@st.composite
def text_blocks(draw: st.DrawFn) -> Json:
    return {"type": "text", "text": draw(texts), **draw(cache_control)}


@st.composite
def image_blocks(draw: st.DrawFn) -> Json:
    source = draw(
        st.sampled_from(
            [
                {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                {"type": "url", "url": "https://example.com/cat.jpg"},
            ]
        )
    )
    return {"type": "image", "source": source}


@st.composite
def tool_definitions(draw: st.DrawFn, name: str) -> Json:
    schema = {
        "type": "object",
        "properties": {key: {"type": "string"} for key in draw(st.lists(st.text(min_size=1, max_size=8), max_size=3))},
    }
    tool: Json = {"name": name, "input_schema": schema, **draw(cache_control)}
    if draw(st.booleans()):
        tool["description"] = draw(texts)
    if draw(st.booleans()):
        tool["defer_loading"] = True
    return tool


@st.composite
def tool_results(draw: st.DrawFn, tool_use_id: str) -> Json:
    content = draw(
        st.one_of(
            st.text(max_size=30), st.lists(text_blocks(), max_size=2), st.lists(image_blocks(), min_size=1, max_size=1)
        )
    )
    result = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
    if draw(st.booleans()):
        result["is_error"] = True
    return result


@st.composite
def assistant_turns(draw: st.DrawFn, names: list[str], turn: int) -> list[Json]:
    blocks: list[Json] = []
    if draw(st.booleans()):
        blocks.append({"type": "thinking", "thinking": draw(texts), "signature": "c2ln"})
    blocks += draw(st.lists(text_blocks(), max_size=2))
    calls = draw(st.integers(0, 3)) if names else 0
    blocks += [
        {
            "type": "tool_use",
            "id": f"toolu_{turn}_{n}",
            "name": draw(st.sampled_from(names)),
            "input": draw(tool_inputs),
        }
        for n in range(calls)
    ]
    return blocks or [{"type": "text", "text": draw(texts)}]


@st.composite
def user_turns(draw: st.DrawFn, pending_ids: list[str]) -> str | list[Json]:
    results = [draw(tool_results(tool_id)) for tool_id in pending_ids]
    extra = draw(st.lists(st.one_of(text_blocks(), image_blocks()), min_size=0 if results else 1, max_size=3))
    if not results and draw(st.booleans()):
        return draw(texts)
    return results + extra


@st.composite
def conversations(draw: st.DrawFn, names: list[str]) -> list[Json]:
    messages: list[Json] = []
    pending: list[str] = []
    for turn in range(draw(st.integers(0, 3))):
        messages.append({"role": "user", "content": draw(user_turns(pending))})
        if draw(st.booleans()):
            messages.append({"role": "system", "content": draw(texts)})
        assistant = draw(assistant_turns(names, turn))
        messages.append({"role": "assistant", "content": assistant})
        pending = [block["id"] for block in assistant if block["type"] == "tool_use"]
    final = draw(user_turns(pending))
    if isinstance(final, list) and not any(block["type"] == "text" for block in final):
        final.append({"type": "text", "text": draw(texts)})
    messages.append({"role": "user", "content": final})
    return messages


@st.composite
def tool_choices(draw: st.DrawFn, names: list[str]) -> Json:
    kinds = ["auto", "any", "none"] + (["tool"] if names else [])
    choice: Json = {"type": draw(st.sampled_from(kinds))}
    if choice["type"] == "tool":
        choice["name"] = draw(st.sampled_from(names))
    if choice["type"] != "none" and draw(st.booleans()):
        choice["disable_parallel_tool_use"] = draw(st.booleans())
    return choice


@st.composite
def anthropic_requests(draw: st.DrawFn) -> Json:
    names = draw(st.lists(tool_names, max_size=4, unique=True))
    body: Json = {
        "model": "claude-sonnet-4-5",
        "max_tokens": draw(st.integers(1, 128_000)),
        "messages": draw(conversations(names)),
    }
    if draw(st.booleans()):
        body["system"] = draw(st.one_of(texts, st.lists(text_blocks(), min_size=1, max_size=3)))
    if names:
        body["tools"] = [draw(tool_definitions(name)) for name in names]
        if draw(st.booleans()):
            body["tool_choice"] = draw(tool_choices(names))
    body.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "temperature": st.floats(0, 1),
                    "top_p": st.floats(0, 1),
                    "top_k": st.integers(1, 100),
                    "stop_sequences": st.lists(texts, min_size=1, max_size=3),
                    "metadata": st.just({"user_id": "u"}),
                    "thinking": st.just({"type": "adaptive"}),
                    "context_management": st.just({"edits": []}),
                    "output_config": st.just({"effort": "low"}),
                    "cache_control": st.just({"type": "ephemeral"}),
                },
            )
        )
    )
    return body
