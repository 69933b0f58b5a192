"""What subscription traffic would have cost at API prices: rows with billing = 'subscription' in a range.

Read from the raw rows through a partial index that holds only subscription rows (API-key traffic adds
nothing to it), so the common case, no subscription at all, costs one empty index probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from peewee import SQL, Node, fn

from cco_tui.store.aggregate import Filter
from cco_tui.store.db import database
from cco_tui.store.models import RequestRow

# A literal, not a bound parameter: only then can SQLite prove the partial index applies.
_SUBSCRIPTION = SQL("billing = 'subscription'")


@dataclass(frozen=True, slots=True)
class SubscriptionTotals:
    requests: int
    cost_usd: float  # API-equivalent, not billed (priced rows only)
    unpriced: int


def subscription_totals(f: Filter | None = None) -> SubscriptionTotals:
    """Blocking: call from a worker thread; open_database() must have run."""
    f = f or Filter()
    r = RequestRow
    conditions: list[Node] = [_SUBSCRIPTION]
    if f.since is not None:
        conditions.append(r.ts >= f.since)
    if f.until is not None:
        conditions.append(r.ts < f.until)
    if f.project is not None:
        conditions.append(r.project == f.project)
    query = r.select(fn.COUNT(r.id), fn.COALESCE(fn.SUM(r.cost_usd), 0.0), fn.COALESCE(fn.SUM(r.unpriced), 0))
    with database.connection_context():
        row = cast("tuple[Any, ...]", query.where(*conditions).tuples().get())
    return SubscriptionTotals(int(row[0]), float(row[1]), int(row[2]))
