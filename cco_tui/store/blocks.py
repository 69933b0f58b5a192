"""5-hour blocks: Anthropic's usage windows for subscriptions, over all projects (the plan is per account).

A block starts at the hour of the first request after the previous block ended and lasts five hours (as
ccusage counts them), so whole-hour rollups are enough to find and sum blocks. When the plan headers gave
the real window (its reset time), the current block is that window instead, summed to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peewee import fn

from cco_tui.store.aggregate import Filter, sums
from cco_tui.store.db import database
from cco_tui.store.models import HourRollup
from cco_tui.store.rollup import Measures
from cco_tui.wire.ratelimits import Window

BLOCK_S = 5 * 3600
HOUR_S = 3600
LOOKBACK_S = 7 * 86400  # a week of hour rows (at most 168) fixes the phase of the blocks up to now
_HOUR_MEASURES = ("requests", "cost_usd", "unpriced", "tokens")


@dataclass(frozen=True, slots=True)
class Block:
    start: float  # epoch seconds
    end: float
    requests: int
    cost_usd: float  # priced requests only (API-equivalent for subscription traffic)
    unpriced: int
    tokens: int  # input, output, cache writes and reads


@dataclass(frozen=True, slots=True)
class CurrentBlock:
    block: Block
    usd_per_hour: float  # cost so far over the time since the block started
    projected_usd: float  # the cost at the block's end if this rate holds
    limit_at: float | None  # when the plan's 5-hour window reaches 100 % at its pace so far (plan headers only)


def blocks(since: float, until: float) -> list[Block]:
    """The blocks that started in [since, until), oldest first. Blocking: call from a worker thread."""
    found: list[Block] = []
    for period, measures in _hours(since, until):
        if found and period < found[-1].end:
            found[-1] = _add(found[-1], measures)
        else:
            found.append(_add(Block(period, period + BLOCK_S, 0, 0.0, 0, 0), measures))
    return found


def _hours(since: float, until: float) -> list[tuple[float, Measures]]:
    h = HourRollup
    tokens = h.input_tokens + h.output_tokens + h.cache_write_5m_tokens + h.cache_write_1h_tokens + h.cache_read_tokens
    query = (
        h.select(h.period, fn.SUM(h.requests), fn.SUM(h.cost_usd), fn.SUM(h.unpriced), fn.SUM(tokens))
        .where(h.period >= int(since) // HOUR_S * HOUR_S, h.period < until)
        .group_by(h.period)
        .order_by(h.period)
    )
    with database.connection_context():
        rows: list[tuple[Any, ...]] = list(query.tuples().execute(database))
    return [(float(row[0]), dict(zip(_HOUR_MEASURES, row[1:], strict=True))) for row in rows if row[1]]


def _add(block: Block, m: Measures) -> Block:
    return Block(
        block.start,
        block.end,
        block.requests + int(m["requests"]),
        block.cost_usd + float(m["cost_usd"] or 0.0),
        block.unpriced + int(m["unpriced"]),
        block.tokens + int(m["tokens"] or 0),
    )


def current_block(now: float, plan: Window | None = None, plan_seen_at: float | None = None) -> CurrentBlock | None:
    """The block `now` falls in (None when nothing ran in the last five hours). Blocking."""
    if plan is not None and plan.resets_at is not None and plan.resets_at > now:
        block = _summed(plan.resets_at - BLOCK_S, plan.resets_at, now)
    else:
        recent = blocks(now - LOOKBACK_S, now)  # where blocks start depends on the calls before
        if not recent or recent[-1].end <= now:
            return None
        block = _summed(recent[-1].start, recent[-1].end, now)
    elapsed_h = max(now - block.start, 60.0) / HOUR_S
    rate = block.cost_usd / elapsed_h
    projected = block.cost_usd + rate * max(block.end - now, 0.0) / HOUR_S
    return CurrentBlock(block, rate, projected, limit_at(plan, plan_seen_at or now))


def _summed(start: float, end: float, now: float) -> Block:
    m = sums(Filter(None, start, now)).get(None)
    if m is None:
        return Block(start, end, 0, 0.0, 0, 0)
    tokens = m["input_tokens"] + m["output_tokens"] + m["cache_write_5m_tokens"] + m["cache_write_1h_tokens"]
    return Block(
        start, end, int(m["requests"]), m["cost_usd"], int(m["unpriced"]), int(tokens + m["cache_read_tokens"])
    )


def limit_at(plan: Window | None, seen_at: float) -> float | None:
    """When the 5-hour window's utilization reaches 1.0 if it keeps growing as it did since the window began;
    None without plan headers, before any use, or when the window resets first."""
    if plan is None or plan.resets_at is None or not plan.utilization:
        return None
    start = plan.resets_at - BLOCK_S
    elapsed = seen_at - start
    if elapsed <= 0:
        return None
    reached = start + elapsed / plan.utilization
    return reached if reached < plan.resets_at else None
