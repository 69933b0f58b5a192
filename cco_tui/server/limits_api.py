"""GET /api/limits: the plan meters per credential under `credentials` (meters_api.py), and the configured rate
limits and budgets with their live counters, under `rules`."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from quart import Blueprint

from cco_tui.governance.governor import Governor
from cco_tui.governance.periods import iso, period_bounds
from cco_tui.pipeline.meters import MeterBook
from cco_tui.server.meters_api import credentials_snapshot


def limits_blueprint(governor: Governor, meters: MeterBook) -> Blueprint:
    blueprint = Blueprint("limits", __name__)

    @blueprint.get("/api/limits")
    async def limits() -> dict[str, Any]:
        return {"credentials": credentials_snapshot(meters), "rules": rules_snapshot(governor)}

    return blueprint


def rules_snapshot(governor: Governor) -> dict[str, Any]:
    return {"limits": limit_rows(governor), "budgets": budget_rows(governor)}


def limit_rows(governor: Governor) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for rule in governor.book.limits:
        rows[rule.name] = {**asdict(rule), "refused": governor.refusals[rule.name], "counters": []}
    for counter, check in governor.rate_counters.items():
        row = rows.setdefault(
            check.rule,
            {"name": check.rule, "rpm": check.rpm, "tpm": check.tpm, "refused": 0, "counters": []},
        )
        row["refused"] = governor.refusals[check.rule]
        row["counters"].append(rate_counter(governor, counter, check.concurrent is not None))
    return list(rows.values())


def rate_counter(governor: Governor, counter: str, concurrent: bool) -> dict[str, Any]:
    requests = governor.counters.window(counter + ":rpm")
    tokens = governor.counters.window(counter + ":tpm")
    return {
        "scope": counter.split(":", 2)[-1],
        "requests": requests[0] if requests else 0,
        "tokens": tokens[0] if tokens else 0,
        "resets_at": iso(requests[1]) if requests else None,
        "concurrent": int(governor.counters.usage(counter + ":concurrent")[0]) if concurrent else None,
    }


def budget_rows(governor: Governor) -> list[dict[str, Any]]:
    now = time.time()
    rows: dict[str, dict[str, Any]] = {}
    for rule in governor.book.budgets:
        rows[rule.name] = {
            **asdict(rule),
            "refused": governor.refusals[rule.name],
            "resets_at": iso(period_bounds(rule.period, now)[1]),
            "counters": [],
        }
    for key, (check, _start, end) in governor.budget_counters.items():
        if end <= now:
            continue  # a past period
        row = rows.setdefault(
            check.rule, {"name": check.rule, "usd": check.usd, "period": check.period, "counters": []}
        )
        row["refused"] = governor.refusals[check.rule]
        row["resets_at"] = iso(end)
        held, settled = governor.counters.usage(key)
        spent = governor.spent_so_far(key) + settled
        scope = check.counter.split(":", 2)[-1] if check.counter.startswith("budget:") else "token"
        row["counters"].append({"scope": scope, "spent_usd": round(spent, 6), "reserved_usd": round(held, 6)})
    return list(rows.values())
