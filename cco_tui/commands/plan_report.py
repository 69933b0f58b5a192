"""The Claude Code plan part of `cco stats`: subscription traffic at API prices, the plan and rate-limit
meters last seen per credential, and the 5-hour blocks of the range (the last day when no range is given)."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from cco_tui.store.aggregate import Filter
from cco_tui.store.billing import SubscriptionTotals, subscription_totals
from cco_tui.store.blocks import Block, blocks
from cco_tui.store.meters import MeterSnapshot, latest_meters
from cco_tui.tui import formatting as fmt
from cco_tui.tui import plan
from cco_tui.wire.ratelimits import to_document

DEFAULT_BLOCKS_S = 86400
SHOWN_BLOCKS = 8


def plan_data(f: Filter, now: float | None = None) -> tuple[SubscriptionTotals, list[MeterSnapshot], list[Block]]:
    """Blocking: the database must be open."""
    now = time.time() if now is None else now
    until = f.until if f.until is not None else now
    since = f.since if f.since is not None else until - DEFAULT_BLOCKS_S
    return subscription_totals(f), latest_meters(), blocks(since, until)


def plan_json(data: tuple[SubscriptionTotals, list[MeterSnapshot], list[Block]]) -> dict[str, Any]:
    subscription, meters, found = data
    credentials = [
        {"id": m.credential, **to_document(m.limits), "updated_at": m.updated_at} for m in meters
    ]  # times in epoch seconds, like the rest of `cco stats --json`
    return {"subscription": asdict(subscription), "limits": credentials, "blocks": [asdict(b) for b in found]}


def plan_lines(data: tuple[SubscriptionTotals, list[MeterSnapshot], list[Block]], now: float) -> list[str]:
    subscription, meters, found = data
    lines = []
    if subscription.requests:
        cost = fmt.cost(subscription.cost_usd, subscription.unpriced)
        lines.append(f"  subscription  {subscription.requests:,} requests, {cost} at API prices (not billed)")
    lines += [f"  limits        {text}" for text in plan.plan_lines(meters, now, limit=8)]
    if found:
        lines += ["", f"  {'5-hour blocks, all projects':<28} {'requests':>9} {'cost $':>12} {'tokens':>10}"]
        lines += [
            f"  {plan.when(b.start, now) + '-' + plan.when(b.end, now):<28} {b.requests:>9,}"
            f" {b.cost_usd:>12,.4f} {fmt.count(b.tokens):>10}"
            for b in found[-SHOWN_BLOCKS:]
        ]
    return ["", "  Claude Code plan", *lines] if lines else []
