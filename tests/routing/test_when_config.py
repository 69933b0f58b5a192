"""`when` in model-routing.json: what parses, what is refused (one line naming file and key, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cco_tui.config.errors import ConfigError
from cco_tui.config.routes import attempt_chain, parse_routes
from tests.test_cli import cco, one_line_error

PLAIN = {"pattern": "^claude-", "provider": "anthropic", "endpoint": "http://up/v1"}


def table(*routes: dict[str, Any]) -> list[dict[str, Any]]:
    return [*routes, PLAIN]


@pytest.mark.parametrize(
    ("when", "key", "words"),
    [
        ({"agent": "helper"}, "routes[0].when.agent", "'main' or 'subagent'"),
        ({"thinking": "yes"}, "routes[0].when.thinking", "true or false"),
        ({"tools": 1}, "routes[0].when.tools", "true or false"),
        ({"min_input_tokens": -5}, "routes[0].when.min_input_tokens", "non-negative integer"),
        ({"max_input_tokens": True}, "routes[0].when.max_input_tokens", "non-negative integer"),
        ({"min_input_tokens": 10, "max_input_tokens": 5}, "routes[0].when.max_input_tokens", "below"),
        ({"project": ""}, "routes[0].when.project", "non-empty string"),
        ({"header": {"x-team": 3}}, "routes[0].when.header", "header name to value glob"),
        ({"header": []}, "routes[0].when.header", "header name to value glob"),
        ({"colour": "red"}, "routes[0].when.colour", "unknown condition"),
        ({}, "routes[0].when", "non-empty object"),
        ("subagent", "routes[0].when", "non-empty object"),
    ],
)
def test_bad_when_names_the_key(when: Any, key: str, words: str) -> None:
    route = {"pattern": "claude-*", "when": when, "model": "claude-haiku-4-5"}
    with pytest.raises(ConfigError) as caught:
        parse_routes({"routes": table(route)}, "model-routing.json")
    assert caught.value.key == key
    assert words in caught.value.problem


def test_a_redirect_takes_no_provider_settings() -> None:
    route = {"pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5", "timeout_ms": 5}
    with pytest.raises(ConfigError, match="only applies with a provider"):
        parse_routes({"routes": table(route)}, "f")


def test_only_conditional_routes_is_an_error() -> None:
    route = {"pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5"}
    with pytest.raises(ConfigError, match="at least one route without `when`"):
        parse_routes({"routes": [route]}, "f")


def test_bad_condition_stops_cco_with_one_line_and_exit_2(tmp_path: Path) -> None:
    route = {"pattern": "claude-*", "when": {"agent": "boss"}, "model": "claude-haiku-4-5"}
    (tmp_path / "model-routing.json").write_text(json.dumps({"routes": table(route)}))
    line = one_line_error(cco("--headless", "--config", str(tmp_path)))
    assert "model-routing.json" in line and "routes[0].when.agent" in line


def test_without_facts_conditional_routes_are_skipped() -> None:
    """Fallback names resolve on unconditional routes only: a fallback never re-enters a condition."""
    routes = parse_routes(
        {"routes": table({"pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5"})}, "f"
    )
    (only,) = attempt_chain(routes, "claude-opus-4-8")
    assert (only.requested_model, only.route.index, only.reason) == ("claude-opus-4-8", 1, "pattern")


def test_tool_condition_sees_server_tool_types() -> None:
    from cco_tui.pipeline.route import Facts
    from cco_tui.wire.types import Incoming

    routes = parse_routes(
        {"routes": table({"pattern": "claude-*", "when": {"tool": "web_search*"}, "model": "claude-sonnet-4-6"})}, "f"
    )
    tools = [{"name": "Bash", "input_schema": {}}, {"type": "web_search_20250305", "name": "web_search"}]
    for offered, expected in ((tools, "claude-sonnet-4-6"), (tools[:1], "claude-opus-4-8")):
        payload = {"model": "claude-opus-4-8", "messages": [], "tools": offered}
        request = Incoming("r", "POST", "/v1/messages", b"", b"/v1/messages", [], b"{}", payload, "")
        assert attempt_chain(routes, "claude-opus-4-8", Facts(request))[0].requested_model == expected
