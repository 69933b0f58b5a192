"""Rows recorded while their model had no price: which models, and pricing them now (rows and rollups).

A repriced row gets its cost and savings, and every rollup it counts in gets the same change as a delta
(cost and savings added, one fewer unpriced request), in the same transaction; the writer adds to the same
rollup rows with the same upsert, so a running server and a reprice never lose each other's updates.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import Database, DatabaseProxy, fn

from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.savings import Costing, price_record
from cco_tui.costs.usage import Usage
from cco_tui.store.db import run_many
from cco_tui.store.models import RequestRow
from cco_tui.store.rollup import KEY_COLUMNS, MEASURES, ROLLUP_LEVELS, period_of, upsert_sums
from cco_tui.store.sessions import refresh_sessions

_COSTED = ("cost_usd", "saved_cache_usd", "saved_local_usd", "saved_prompt_cache_usd", "saved_routing_usd")


@dataclass(frozen=True, slots=True)
class UnpricedModel:
    model: str
    requests: int
    first_ts: float
    last_ts: float


@dataclass(frozen=True, slots=True)
class Repriced:
    rows: int  # rows that got a price
    cost_usd: float  # what they cost
    still_unpriced: dict[str, int]  # model → rows the current prices still cannot price


def unpriced_models(db: Database | DatabaseProxy, since: float | None = None) -> list[UnpricedModel]:
    """Models with unpriced rows (since `since`), most rows first."""
    r = RequestRow
    query = (
        r.select(r.model, fn.COUNT(r.id), fn.MIN(r.ts), fn.MAX(r.ts))
        .where(_unpriced(since))
        .group_by(r.model)
        .order_by(fn.COUNT(r.id).desc(), r.model)
    )
    return [UnpricedModel(str(m), int(n), float(a), float(b)) for m, n, a, b in query.tuples().execute(db)]


def reprice(db: Database | DatabaseProxy, pricing: PricingTable, since: float | None = None) -> Repriced:
    """Price every unpriced row (since `since`) the table can price now; one transaction."""
    r = RequestRow
    columns = (r.id, r.ts, r.project, r.provider, r.model, *_token_columns(), r.requested_model)
    with db.atomic():
        rows = list(r.select(*columns).where(_unpriced(since)).tuples().execute(db))
        priced, missing = [], dict[str, int]()
        for row in rows:
            usage = Usage(*row[5:10])
            costing = price_record(pricing, row[4], usage, hit=False, original=None, requested=row[10])
            if costing.cost_usd is None:
                missing[row[4]] = missing.get(row[4], 0) + 1
            else:
                priced.append((row, costing))
        _update_rows(db, priced)
        _update_rollups(db, priced)
        refresh_sessions(db, _sessions_of(db, [int(row[0]) for row, _ in priced]))
    return Repriced(len(priced), sum(c.cost_usd or 0.0 for _, c in priced), missing)


def _sessions_of(db: Database | DatabaseProxy, ids: list[int]) -> set[str]:
    """The Claude Code sessions the repriced rows belong to: their sums are recomputed."""
    r, sessions = RequestRow, set[str]()
    for start in range(0, len(ids), 500):
        query = r.select(r.session_id).where(r.id.in_(ids[start : start + 500]), r.session_id.is_null(False))
        sessions.update(str(session) for (session,) in query.distinct().tuples().execute(db))
    return sessions


def _unpriced(since: float | None):  # type: ignore[no-untyped-def]  # a Peewee expression
    condition = RequestRow.unpriced == 1
    return condition if since is None else condition & (RequestRow.ts >= since)


def _token_columns() -> tuple[object, ...]:
    """In Usage's field order: input, output, 5m write, 1h write, read."""
    r = RequestRow
    return (r.input_tokens, r.output_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens)


def _update_rows(db: Database | DatabaseProxy, priced: list[tuple[tuple[object, ...], Costing]]) -> None:
    sql = (
        "UPDATE request SET cost_usd = ?, unpriced = 0, saved_cache_usd = ?, saved_local_usd = ?,"
        " saved_prompt_cache_usd = ?, saved_routing_usd = ? WHERE id = ?"
    )
    run_many(db, sql, [(*_costs(costing), row[0]) for row, costing in priced])


def _costs(costing: Costing) -> tuple[float, float, float, float, float]:
    return (
        costing.cost_usd or 0.0,
        costing.saved_cache_usd,
        costing.saved_local_usd,
        costing.saved_prompt_cache_usd,
        costing.saved_routing_usd,
    )


def _update_rollups(db: Database | DatabaseProxy, priced: list[tuple[tuple[object, ...], Costing]]) -> None:
    """Each level's rows get the delta: the new cost and savings, and one fewer unpriced request per row."""
    for level in ROLLUP_LEVELS:
        if level.sums is None:
            continue
        deltas: dict[tuple[object, ...], list[float]] = {}
        for row, costing in priced:
            key = (period_of(float(row[1]), level.seconds), row[2], row[3], row[4])  # type: ignore[arg-type]
            delta = deltas.setdefault(key, [0.0] * (len(_COSTED) + 1))
            for i, value in enumerate((*_costs(costing), -1.0)):
                delta[i] += value
        upsert_sums(db, level.sums, [_delta_row(key, delta) for key, delta in deltas.items()])


def _delta_row(key: tuple[object, ...], delta: list[float]) -> tuple[object, ...]:
    """KEY_COLUMNS + MEASURES with zeros but for the costed measures and `unpriced`; last_ts 0 (a MAX)."""
    changed = {**dict(zip(_COSTED, delta[:-1], strict=True)), "unpriced": delta[-1]}
    assert len(key) == len(KEY_COLUMNS)
    return (*key, *(changed.get(name, 0.0) for name in MEASURES))
