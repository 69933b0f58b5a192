"""Upstream errors -> Anthropic errors, checked against the exception classes of the real anthropic SDK."""

from __future__ import annotations

from typing import Any

import anthropic
import orjson
import pytest

from cco_tui.providers.openai_translate import error_event, from_openai_error, upstream_message
from tests.translation.anthropic_check import parse_sse
from tests.translation.anthropic_replay import ReplayClient

OPENAI_429 = {
    "error": {
        "message": "Rate limit reached for gpt-4o",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


@pytest.mark.parametrize(
    ("status", "error_type", "sdk_error"),
    [
        (400, "invalid_request_error", anthropic.BadRequestError),
        (401, "authentication_error", anthropic.AuthenticationError),
        (403, "permission_error", anthropic.PermissionDeniedError),
        (404, "not_found_error", anthropic.NotFoundError),
        (409, "conflict_error", anthropic.ConflictError),
        (413, "request_too_large", anthropic.APIStatusError),
        (422, "invalid_request_error", anthropic.UnprocessableEntityError),
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (502, "api_error", anthropic.InternalServerError),
        (504, "timeout_error", anthropic.InternalServerError),
        (529, "overloaded_error", anthropic.InternalServerError),
    ],
)
def test_status_maps_to_the_anthropic_type_and_sdk_error(
    status: int, error_type: str, sdk_error: type[anthropic.APIStatusError], replay: ReplayClient
) -> None:
    mapped_status, body = from_openai_error(status, orjson.dumps(OPENAI_429))
    assert mapped_status == status
    assert body == {"type": "error", "error": {"type": error_type, "message": "Rate limit reached for gpt-4o"}}
    error = replay.error(mapped_status, orjson.dumps(body))
    assert isinstance(error, sdk_error) and error.status_code == status
    assert isinstance(error.body, dict) and error.body["error"]["type"] == error_type


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (OPENAI_429, "Rate limit reached for gpt-4o"),
        (orjson.dumps(OPENAI_429).decode(), "Rate limit reached for gpt-4o"),
        (
            b'{"error": "model \\"qwen3\\" not found, try pulling it first"}',
            'model "qwen3" not found, try pulling it first',
        ),
        (
            {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "code": 400},
            "max_tokens is too large",
        ),
        ({"detail": "Not Found"}, "Not Found"),
        (b"<html><body>502 Bad Gateway</body></html>", "<html><body>502 Bad Gateway</body></html>"),
        (b"  plain text failure\n", "plain text failure"),
    ],
)
def test_the_message_is_found_in_every_error_shape(body: Any, message: str) -> None:
    assert upstream_message(body) == message
    assert from_openai_error(400, body)[1]["error"]["message"] == message


@pytest.mark.parametrize("body", [None, b"", {}, {"error": {}}])
def test_an_empty_error_still_says_what_happened(body: Any) -> None:
    assert from_openai_error(503, body)[1]["error"]["message"] == "upstream returned HTTP 503"


def test_a_success_status_with_an_error_body_is_a_bad_gateway() -> None:
    assert from_openai_error(200, b"nonsense") == (
        502,
        {"type": "error", "error": {"type": "api_error", "message": "nonsense"}},
    )


def test_api_keys_echoed_by_the_upstream_are_redacted() -> None:
    body = {"error": {"message": "Incorrect API key provided: sk-proj-AbC1***************************xYz9."}}
    message = from_openai_error(401, body)[1]["error"]["message"]
    assert "AbC1" not in message and "xYz9" not in message and "sk-***" in message
    assert b"AbC1" not in error_event("Incorrect API key provided: sk-proj-AbC1***xYz9")


def test_long_error_pages_are_cut() -> None:
    assert len(from_openai_error(500, b"x" * 100_000)[1]["error"]["message"]) == 2000


def test_error_event_frame() -> None:
    assert parse_sse(error_event("connection reset", "api_error")) == [
        ("error", {"type": "error", "error": {"type": "api_error", "message": "connection reset"}})
    ]
