"""Anthropic's rate-limit response headers, read into one credential's meters (no I/O).

Subscription traffic (claude.ai OAuth) carries `anthropic-ratelimit-unified-*`: an overall `-status`, a
`-5h-utilization` / `-7d-utilization` fraction and `-5h-reset` / `-7d-reset` epoch seconds per window, the
`-representative-claim` (which window binds) and `-overage-status`. API keys carry
`anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` (reset in RFC 3339).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PREFIX = b"anthropic-ratelimit-"
UNIFIED = "unified-"
WINDOWS = (("five_hour", "5h"), ("seven_day", "7d"))  # Claude Code's names for the header abbreviations
ALLOWANCES = (
    ("requests", "requests"),
    ("tokens", "tokens"),
    ("input_tokens", "input-tokens"),
    ("output_tokens", "output-tokens"),
)
Kind = Literal["subscription", "api"]


@dataclass(frozen=True, slots=True)
class Window:
    """A plan window: how much of it is used (a fraction, 1.0 = the limit) and when it starts over."""

    utilization: float | None
    resets_at: float | None  # epoch seconds


@dataclass(frozen=True, slots=True)
class Allowance:
    """An API key's per-minute limit."""

    limit: int | None
    remaining: int | None
    resets_at: float | None  # epoch seconds

    @property
    def utilization(self) -> float | None:
        if self.limit is None or self.remaining is None or self.limit <= 0:
            return None
        return 1.0 - self.remaining / self.limit


@dataclass(frozen=True, slots=True)
class RateLimits:
    kind: Kind
    status: str | None = None
    representative_claim: str | None = None
    overage_status: str | None = None
    windows: Mapping[str, Window] = field(default_factory=dict)
    allowances: Mapping[str, Allowance] = field(default_factory=dict)


def rate_limits(headers: Iterable[tuple[bytes, bytes]]) -> RateLimits | None:
    """The meters an answer's headers carry; None (the common, cheap case) when there are none."""
    found = {
        name[len(PREFIX) :].decode("latin-1").lower(): value.decode("latin-1").strip()
        for name, value in headers
        if name[:20].lower() == PREFIX
    }
    if not found:
        return None
    unified = {name[len(UNIFIED) :]: value for name, value in found.items() if name.startswith(UNIFIED)}
    if unified:
        return unified_limits(unified)
    return RateLimits("api", allowances=api_allowances(found))


def unified_limits(values: Mapping[str, str]) -> RateLimits:
    windows = {
        name: Window(number(values.get(f"{short}-utilization")), number(values.get(f"{short}-reset")))
        for name, short in WINDOWS
        if f"{short}-utilization" in values or f"{short}-reset" in values
    }
    return RateLimits(
        "subscription",
        status=values.get("status"),
        representative_claim=values.get("representative-claim"),
        overage_status=values.get("overage-status"),
        windows=windows,
    )


def api_allowances(values: Mapping[str, str]) -> dict[str, Allowance]:
    allowances = {}
    for name, short in ALLOWANCES:
        if not any(key.startswith(short + "-") for key in values):
            continue
        limit, remaining = number(values.get(f"{short}-limit")), number(values.get(f"{short}-remaining"))
        allowances[name] = Allowance(
            None if limit is None else int(limit),
            None if remaining is None else int(remaining),
            rfc3339(values.get(f"{short}-reset")),
        )
    return allowances


def number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and value == value else None  # NaN is no number


def rfc3339(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return number(text)  # some upstreams send epoch seconds


# --- as data (the store's copy and the HTTP API) -----------------------------------------------------------


def to_document(limits: RateLimits) -> dict[str, Any]:
    """Plain data: utilization in percent (0-100, as Anthropic's usage pages show it), times as epoch seconds."""
    document: dict[str, Any] = {"kind": limits.kind}
    if limits.kind == "subscription":
        document.update(
            status=limits.status,
            representative_claim=limits.representative_claim,
            overage_status=limits.overage_status,
        )
    for name, window in limits.windows.items():
        document[name] = {"utilization": percent(window.utilization), "resets_at": window.resets_at}
    for name, allowance in limits.allowances.items():
        document[name] = {"limit": allowance.limit, "remaining": allowance.remaining, "resets_at": allowance.resets_at}
    return document


def from_document(document: Mapping[str, Any]) -> RateLimits:
    kind: Kind = "subscription" if document.get("kind") == "subscription" else "api"
    windows = {
        name: Window(fraction(part.get("utilization")), part.get("resets_at"))
        for name, _ in WINDOWS
        if isinstance(part := document.get(name), dict)
    }
    allowances = {
        name: Allowance(part.get("limit"), part.get("remaining"), part.get("resets_at"))
        for name, _ in ALLOWANCES
        if isinstance(part := document.get(name), dict)
    }
    return RateLimits(
        kind,
        document.get("status"),
        document.get("representative_claim"),
        document.get("overage_status"),
        windows,
        allowances,
    )


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def fraction(value: Any) -> float | None:
    return value / 100 if isinstance(value, int | float) else None
