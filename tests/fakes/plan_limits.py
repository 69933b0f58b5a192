"""Fake Anthropic answers for subscription traffic: a gate that refuses without the OAuth token and beta flag
(like api.anthropic.com), and the plan and API-key rate-limit headers Anthropic sends."""

from __future__ import annotations

from collections.abc import Callable

from tests.fakes.anthropic_upstream import Received, Reply, error_reply, message, stream_events

OAUTH_TOKEN = "sk-ant-oat01-fake-subscription-token-never-stored"
OAUTH_BETA = "oauth-2025-04-20"
API_KEY = "sk-ant-api03-fake-key-never-stored"


def unified_headers(five_hour: float, seven_day: float, five_hour_reset: int, seven_day_reset: int) -> dict[str, str]:
    return {
        "anthropic-ratelimit-unified-status": "allowed",
        "anthropic-ratelimit-unified-5h-utilization": str(five_hour),
        "anthropic-ratelimit-unified-5h-reset": str(five_hour_reset),
        "anthropic-ratelimit-unified-7d-utilization": str(seven_day),
        "anthropic-ratelimit-unified-7d-reset": str(seven_day_reset),
        "anthropic-ratelimit-unified-representative-claim": "five_hour",
        "anthropic-ratelimit-unified-reset": str(five_hour_reset),
        "anthropic-ratelimit-unified-overage-status": "rejected",
    }


def api_key_headers(reset: str) -> dict[str, str]:
    return {
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-requests-reset": reset,
        "anthropic-ratelimit-input-tokens-limit": "400000",
        "anthropic-ratelimit-input-tokens-remaining": "399000",
        "anthropic-ratelimit-input-tokens-reset": reset,
        "anthropic-ratelimit-output-tokens-limit": "80000",
        "anthropic-ratelimit-output-tokens-remaining": "79000",
        "anthropic-ratelimit-output-tokens-reset": reset,
    }


def subscription_gate(plan: Callable[[], dict[str, str]], api: dict[str, str]) -> Callable[[Received], Reply]:
    """Bearer OAuth token + the OAuth beta flag → an answer with `plan()` headers; an API key → `api` headers;
    an OAuth token without the flag (or nothing) → 401, as Anthropic answers."""

    def respond(received: Received) -> Reply:
        headers = received.headers
        oauth = headers.get("authorization") == f"Bearer {OAUTH_TOKEN}"
        if oauth and OAUTH_BETA in headers.get("anthropic-beta", "").split(","):
            return answer(received, plan())
        if headers.get("x-api-key") == API_KEY and not oauth:
            return answer(received, api)
        return error_reply(401, "authentication_error", "OAuth authentication is currently not supported.")

    return respond


def answer(received: Received, headers: dict[str, str]) -> Reply:
    msg = message(model=received.json().get("model", "claude-sonnet-4-6"))
    if received.json().get("stream"):
        return Reply(events=stream_events(msg), headers=headers)
    return Reply(body=msg, headers=headers)
