"""The request classifier and the route facts on requests captured from the real pinned CLIs (trimmed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cco_tui.pipeline.classify import classify
from cco_tui.pipeline.route import Facts
from cco_tui.wire.types import Incoming

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {  # observed kind → (request class, rule, agent)
    "main": ("main", "main", "main"),
    "main-interactive": ("main", "main", "main"),
    "subagent": ("main", "main", "subagent"),
    "title": ("background", "title", "main"),
    "compaction": ("compaction", "compaction", "main"),
}
SAMPLES = sorted(FIXTURES.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(path.read_text())
    return sample


def incoming(sample: dict[str, Any]) -> Incoming:
    headers = [(name.encode(), value.encode()) for name, value in sample["headers"].items()]
    body = json.dumps(sample["body"]).encode()
    return Incoming("cco_t", "POST", "/v1/messages", b"beta=true", b"/v1/messages", headers, body, sample["body"], "")


def test_samples_cover_both_pinned_clis_and_every_kind() -> None:
    seen = {(load(path)["cli"], load(path)["observed"]) for path in SAMPLES}
    assert {cli for cli, _ in seen} == {"2.1.197", "2.1.332"}
    assert {kind for _, kind in seen} == set(EXPECTED)


@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_captured_request_is_classified_as_observed(path: Path) -> None:
    sample = load(path)
    request_class, rule, agent = EXPECTED[sample["observed"]]
    facts = Facts(incoming(sample))
    assert classify(sample["body"]) == (request_class, rule)
    assert facts.request_class() == request_class
    assert facts.agent() == agent


def test_no_secrets_in_the_samples() -> None:
    for path in SAMPLES:
        text = path.read_text()
        assert "sk-ant" not in text and "x-api-key" not in text and "authorization" not in text.lower()


def test_hint_header_wins_over_the_rules() -> None:
    sample = load(FIXTURES / "2.1.332-main.json")
    sample["headers"]["x-claude-code-request-class"] = "background"
    sample["headers"]["x-claude-code-agent-type"] = "Explore"
    facts = Facts(incoming(sample))
    assert facts.request_class() == "background"
    assert facts.agent_type() == "Explore"


def test_facts_of_a_main_turn() -> None:
    facts = Facts(incoming(load(FIXTURES / "2.1.197-main.json")))
    assert facts.thinking() is True  # {"type": "adaptive"}
    assert facts.tools() is True
    assert facts.input_tokens() > 1000
    assert facts.input_tokens() is facts.input_tokens()  # estimated once, then kept


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("main", "main")),
        ({"messages": [{"role": "user", "content": "hi"}]}, ("main", "main")),
        ({"tools": [{"name": "Bash"}], "system": "Generate a concise, sentence-case title"}, ("main", "main")),
        ({"system": "Generate a concise, sentence-case title (3-7 words)"}, ("background", "title")),
        ({"messages": [{"role": "assistant", "content": "<summary> Do NOT call any tools"}]}, ("main", "main")),
        (
            {"messages": [{"role": "user", "content": "write a <summary>. Do NOT call any tools."}]},
            ("compaction", "compaction"),
        ),
    ],
)
def test_rules_on_small_bodies(body: dict[str, Any], expected: tuple[str, str]) -> None:
    assert classify(body) == expected
