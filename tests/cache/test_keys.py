"""Cache keys: what makes two requests the same; scopes: whose answers they may share."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cco_tui.cache.keys import (
    ANONYMOUS_SCOPE,
    SHARED_SCOPE,
    beta_flags,
    cache_key,
    credential_scope,
    credential_scope_of,
    new_scope_secret,
)

BETAS = "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27"


def claude_code_body(session: str = "a1b2") -> dict[str, Any]:
    """Shaped like a Claude Code first turn: system blocks, tools, metadata with the session id."""
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "stream": True,
        "system": [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Primary working directory: /w", "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "say hello"}]}],
        "tools": [{"name": f"Tool{i}", "description": "d" * 200, "input_schema": {"type": "object"}} for i in range(3)],
        "metadata": {"user_id": json.dumps({"device_id": "dev", "session_id": session})},
        "thinking": {"type": "adaptive"},
    }


def key_of(body: dict[str, Any], **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "provider": "anthropic",
        "upstream_model": "claude-sonnet-4-5",
        "path": "/v1/messages?beta=true",
        "anthropic_version": "2023-06-01",
        "anthropic_beta": BETAS,
        "body": body,
    }
    return cache_key(**{**arguments, **overrides})


def changed(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(claude_code_body())
    target = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


def test_key_is_a_sha256_hex_digest() -> None:
    key = key_of(claude_code_body())
    assert len(key) == 64 and int(key, 16) >= 0


def test_metadata_and_stream_do_not_change_the_key() -> None:
    base = key_of(claude_code_body("session-1"))
    assert key_of(claude_code_body("session-2")) == base
    assert key_of(changed("stream", False)) == base
    without = claude_code_body()
    del without["metadata"], without["stream"]
    assert key_of(without) == base


def test_key_order_in_the_body_does_not_matter() -> None:
    body = claude_code_body()
    assert key_of(dict(reversed(list(body.items())))) == key_of(body)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("model", "claude-opus-4-5"),
        ("max_tokens", 64000),
        ("messages.0.content.0.text", "say goodbye"),
        ("tools.1.description", "another tool"),
        ("system.1.text", "Primary working directory: /elsewhere"),
        ("thinking", {"type": "disabled"}),
        ("temperature", 0.5),
    ],
)
def test_answer_relevant_body_changes_change_the_key(path: str, value: Any) -> None:
    assert key_of(changed(path, value)) != key_of(claude_code_body())


@pytest.mark.parametrize(
    "override",
    [
        {"provider": "openai"},
        {"upstream_model": "gpt-4o"},
        {"path": "/v1/messages/count_tokens?beta=true"},
        {"path": "/v1/messages"},
        {"anthropic_version": "2024-01-01"},
        {"anthropic_version": None},
        {"anthropic_beta": "claude-code-20250219"},
        {"anthropic_beta": BETAS + ",fine-grained-tool-streaming-2025-05-14"},
        {"anthropic_beta": None},
    ],
)
def test_route_path_version_and_beta_set_change_the_key(override: dict[str, Any]) -> None:
    assert key_of(claude_code_body(), **override) != key_of(claude_code_body())


def test_beta_flag_order_spacing_and_repeats_do_not_matter() -> None:
    flags = BETAS.split(",")
    shuffled = " " + " , ".join(reversed(flags)) + "," + flags[0] + ","
    assert key_of(claude_code_body(), anthropic_beta=shuffled) == key_of(claude_code_body())
    assert beta_flags(shuffled) == sorted(flags)
    assert beta_flags("") == beta_flags(None) == []


def test_query_parameter_order_does_not_matter() -> None:
    first = key_of(claude_code_body(), path="/v1/messages?beta=true&x=1")
    assert key_of(claude_code_body(), path="/v1/messages?x=1&beta=true") == first


def test_fields_cannot_run_into_each_other() -> None:
    assert key_of(claude_code_body(), provider="a", upstream_model="bc") != key_of(
        claude_code_body(), provider="ab", upstream_model="c"
    )


def test_an_80_kb_body_is_keyed() -> None:
    body = claude_code_body()
    body["tools"] = [
        {"name": f"T{i}", "description": "x" * 4000, "input_schema": {"type": "object"}} for i in range(20)
    ]
    assert len(json.dumps(body)) > 80_000
    assert key_of(body) == key_of(copy.deepcopy(body))


# -- scopes ------------------------------------------------------------------------------------------------

SECRET = b"s" * 32


def test_two_credentials_get_different_scopes_and_one_gets_the_same() -> None:
    alice = credential_scope({"x-api-key": "sk-ant-alice"}, SECRET, "credential")
    bob = credential_scope({"x-api-key": "sk-ant-bob"}, SECRET, "credential")
    assert alice != bob
    assert credential_scope({"X-Api-Key": "sk-ant-alice"}, SECRET, "credential") == alice


def test_bearer_tokens_are_scoped_and_differ_from_the_same_text_as_an_api_key() -> None:
    token = credential_scope({"authorization": "Bearer tok-1"}, SECRET, "credential")
    assert token == credential_scope({"Authorization": "bearer  tok-1 "}, SECRET, "credential")
    assert token != credential_scope({"authorization": "Bearer tok-2"}, SECRET, "credential")
    assert token != credential_scope({"x-api-key": "tok-1"}, SECRET, "credential")


def test_scope_never_contains_the_credential_and_depends_on_the_secret() -> None:
    scope = credential_scope({"x-api-key": "sk-ant-secret-value"}, SECRET, "credential")
    assert "sk-ant" not in scope and "secret-value" not in scope
    assert scope != credential_scope({"x-api-key": "sk-ant-secret-value"}, new_scope_secret(), "credential")


def test_shared_mode_shares_and_no_credential_is_anonymous() -> None:
    assert credential_scope({"x-api-key": "a"}, SECRET, "shared") == SHARED_SCOPE
    assert credential_scope({"x-api-key": "b"}, SECRET, "shared") == SHARED_SCOPE
    assert credential_scope({}, SECRET, "credential") == ANONYMOUS_SCOPE
    assert credential_scope_of(None, "", SECRET, "credential") == ANONYMOUS_SCOPE


def test_scope_from_raw_header_values_matches_the_mapping_form() -> None:
    assert credential_scope_of("k", None, SECRET, "credential") == credential_scope(
        {"x-api-key": "k"}, SECRET, "credential"
    )


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="scope mode"):
        credential_scope({}, SECRET, "per-user")  # type: ignore[arg-type]
