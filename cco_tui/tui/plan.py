"""Plan meters and 5-hour blocks as the dashboard and `cco stats` print them, and when to warn.

"5h 42% · resets 15:40 · 7d 18%" for a subscription; an API key's per-minute limits as used/limit.
No UI imports: plain strings for the screens, the CLI and the notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cco_tui.store.aggregate import Filter
from cco_tui.store.billing import SubscriptionTotals, subscription_totals
from cco_tui.store.blocks import CurrentBlock, current_block
from cco_tui.store.meters import MeterSnapshot, latest_meters
from cco_tui.tui import formatting as fmt
from cco_tui.wire.ratelimits import Allowance, RateLimits

WARN_AT = (0.80, 0.95)
WINDOW_LABELS = (("five_hour", "5h"), ("seven_day", "7d"))
ALLOWANCE_LABELS = (("requests", "requests"), ("tokens", "tokens"), ("input_tokens", "in"), ("output_tokens", "out"))
__all__ = ["PlanData", "latest_meters", "load_plan"]  # latest_meters: for the Machine-Wide tab
Level = tuple[str, str, float]  # (credential, window label, utilization as a fraction)


def when(moment: float, now: float) -> str:
    """HH:MM today, else the weekday too."""
    local = datetime.fromtimestamp(moment)
    same_day = local.date() == datetime.fromtimestamp(now).date()
    return local.strftime("%H:%M" if same_day else "%a %H:%M")


def meter_text(limits: RateLimits, now: float) -> str:
    if limits.kind == "subscription":
        return " · ".join(window_parts(limits, now)) or "plan headers without windows"
    parts = [
        allowance_text(label, limits.allowances[name]) for name, label in ALLOWANCE_LABELS if name in limits.allowances
    ]
    return "per minute: " + " · ".join(parts) if parts else "no limits reported"


def window_parts(limits: RateLimits, now: float) -> list[str]:
    parts = []
    for name, label in WINDOW_LABELS:
        window = limits.windows.get(name)
        if window is None or window.utilization is None:
            continue
        part = f"{label} {window.utilization * 100:.0f}%"
        if name == "five_hour" and window.resets_at:
            part += f" · resets {when(window.resets_at, now)}"
        parts.append(part)
    return parts


def allowance_text(label: str, allowance: Allowance) -> str:
    if allowance.limit is None or allowance.remaining is None:
        return f"{label} ?"
    return f"{label} {fmt.count(allowance.limit - allowance.remaining)}/{fmt.count(allowance.limit)}"


def plan_lines(snapshots: Sequence[MeterSnapshot], now: float, limit: int = 3) -> list[str]:
    """One line per credential (subscriptions first, most recent first), named when there are several."""
    chosen = sorted(snapshots, key=lambda s: (s.limits.kind != "subscription", -s.updated_at))[:limit]
    kinds = {"subscription": "Plan", "api": "API key"}
    named = len(chosen) > 1
    return [
        f"{kinds[s.limits.kind]}{' ' + s.credential[:6] if named else ''}  {meter_text(s.limits, now)}" for s in chosen
    ]


def block_text(current: CurrentBlock | None, now: float) -> str:
    if current is None:
        return ""
    b = current.block
    text = (
        f"5h block {when(b.start, now)}-{when(b.end, now)} (all projects)  {fmt.cost(b.cost_usd, b.unpriced)}"
        f" · {fmt.count(b.tokens)} tokens · {fmt.usd(current.usd_per_hour)}/h → ≈ {fmt.usd(current.projected_usd)}"
    )
    if current.limit_at is not None:
        text += f" · 5h limit at this rate ≈ {when(current.limit_at, now)}"
    return text


def plan_window(snapshots: Iterable[MeterSnapshot]) -> MeterSnapshot | None:
    """The most recent subscription's snapshot: its 5-hour window bounds the current block."""
    return max((s for s in snapshots if "five_hour" in s.limits.windows), key=lambda s: s.updated_at, default=None)


Subscription = SubscriptionTotals | None


@dataclass(frozen=True, slots=True)
class PlanData:
    """What the Current Project tab reads for the plan: meters, the current block, today's subscription cost."""

    meters: list[MeterSnapshot] = field(default_factory=list)
    block: CurrentBlock | None = None
    subscription: Subscription = None


def load_plan(project: str, since: float, now: float) -> PlanData:
    """Blocking: the stored meters, the current 5-hour block (the plan's own window when known) and the
    project's subscription traffic since `since`."""
    meters = latest_meters()
    window = plan_window(meters)
    five_hour = window.limits.windows["five_hour"] if window else None
    block = current_block(now, five_hour, window.updated_at if window else None)
    return PlanData(meters, block, subscription_totals(Filter(project, since, now)))


def subscription_detail(subscription: Subscription) -> tuple[str, ...]:
    """Subscription traffic is priced at API rates too: its share is said, since nobody is billed for it."""
    if subscription is None or not subscription.requests:
        return ()
    return (f"plan {fmt.cost(subscription.cost_usd, subscription.unpriced)}, not billed",)


def levels(snapshots: Iterable[MeterSnapshot]) -> tuple[Level, ...]:
    return tuple(
        (s.credential, label, window.utilization)
        for s in snapshots
        for name, label in WINDOW_LABELS
        if (window := s.limits.windows.get(name)) is not None and window.utilization is not None
    )


def new_warnings(current: Iterable[Level], warned: MutableMapping[tuple[str, str], float]) -> list[str]:
    """Warnings for windows that reached 80 % or 95 % since last told (`warned` remembers; a window that fell
    back below, e.g. after its reset, is re-armed)."""
    messages = []
    for credential, label, used in current:
        reached = max((t for t in WARN_AT if used >= t), default=0.0)
        key = (credential, label)
        if reached > warned.get(key, 0.0):
            messages.append(f"{label} plan window at {used * 100:.0f}% (past {reached * 100:.0f}%)")
        warned[key] = reached
    return messages
