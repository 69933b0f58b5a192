"""How meters read on the dashboard and in `cco stats`, and when the dashboard warns."""

from __future__ import annotations

from cco_tui.store.meters import MeterSnapshot
from cco_tui.tui.plan import meter_text, new_warnings, plan_lines
from cco_tui.wire.ratelimits import rate_limits

NOW = 1_790_000_000.0


def headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(b"Anthropic-RateLimit-" + name.replace("_", "-").encode(), v.encode()) for name, v in values.items()]


def test_an_api_keys_limits_read_as_used_of_limit_per_minute() -> None:
    limits = rate_limits(
        headers(
            requests_limit="4000",
            requests_remaining="3990",
            requests_reset="2026-12-04T18:00:00Z",
            output_tokens_limit="80000",
            output_tokens_remaining="60000",
        )
    )
    assert limits is not None and limits.kind == "api"
    assert meter_text(limits, NOW) == "per minute: requests 10/4k · out 20k/80k"


def test_several_credentials_are_named_subscription_first() -> None:
    plan = rate_limits(headers(unified_5h_utilization="0.5", unified_7d_utilization="0.25"))
    api = rate_limits(headers(requests_limit="50", requests_remaining="49"))
    assert plan is not None and api is not None
    lines = plan_lines([MeterSnapshot("aaaaaa11", api, NOW), MeterSnapshot("bbbbbb22", plan, NOW - 60)], NOW)
    assert lines == ["Plan bbbbbb  5h 50% · 7d 25%", "API key aaaaaa  per minute: requests 1/50"]


def test_warnings_once_per_threshold_and_again_after_the_window_resets() -> None:
    warned: dict[tuple[str, str], float] = {}
    seen = [new_warnings([("c", "5h", used)], warned) for used in (0.5, 0.83, 0.85, 0.96, 0.97, 0.10, 0.81)]
    assert seen == [
        [],
        ["5h plan window at 83% (past 80%)"],
        [],
        ["5h plan window at 96% (past 95%)"],
        [],
        [],
        ["5h plan window at 81% (past 80%)"],
    ]
