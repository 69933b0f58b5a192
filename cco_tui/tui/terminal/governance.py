"""The Terminal tab's `keys`, `limits` and `budgets` output: access tokens from the database, rules and their
live counters from the serving process's /api/limits."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from cco_tui.store.access_keys import AccessKey
from cco_tui.tui import formatting


def table(title: str, *columns: str) -> Table:
    grid = Table(*columns, title=Text(title, style="table.title"), title_justify="left", box=box.SIMPLE_HEAD)
    grid.show_edge = False
    return grid


def fill(grid: Table, rows: Iterable[Sequence[str]]) -> Table:
    for row in rows:
        grid.add_row(*(Text(formatting.printable(cell)) for cell in row))
    return grid


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


def keys_table(keys: Sequence[AccessKey]) -> Table | Text:
    if not keys:
        return Text("No access tokens. Create one with `cco keys create --project P`.", style="dim")
    grid = table("Access tokens", "id", "project", "name", "rpm", "tpm", "budget", "admin", "state")
    return fill(grid, (_key_row(key) for key in keys))


def _key_row(key: AccessKey) -> list[str]:
    budget = f"${key.budget_usd:g}/{key.budget_period}" if key.budget_usd is not None else "-"
    state = "revoked " + time.strftime("%Y-%m-%d", time.localtime(key.revoked_ts)) if key.revoked_ts else "active"
    return [
        key.id,
        key.project,
        _opt(key.name),
        _opt(key.rpm),
        _opt(key.tpm),
        budget,
        "yes" if key.admin else "",
        state,
    ]


def limits_table(rules: Mapping[str, Any]) -> Table | Text:
    limits = rules.get("limits") or []
    if not limits:
        return Text('No rate limits. Add "limits" to settings.json.', style="dim")
    grid = table("Rate limits (per minute)", "rule", "scope", "requests", "tokens", "concurrent", "refused")
    return fill(grid, (row for limit in limits for row in _limit_rows(limit)))


def _limit_rows(limit: Mapping[str, Any]) -> list[list[str]]:
    name, refused = str(limit.get("name")), str(limit.get("refused", 0))
    counters = limit.get("counters") or [{}]
    return [
        [
            name,
            str(counter.get("scope", "-")),
            f"{counter.get('requests', 0)}/{_opt(limit.get('rpm'))}",
            f"{counter.get('tokens', 0)}/{_opt(limit.get('tpm'))}",
            f"{_opt(counter.get('concurrent'))}/{_opt(limit.get('concurrent'))}",
            refused,
        ]
        for counter in counters
    ]


def budgets_table(rules: Mapping[str, Any]) -> Table | Text:
    budgets = rules.get("budgets") or []
    if not budgets:
        return Text('No budgets. Add "budgets" to settings.json, or `cco keys create --budget`.', style="dim")
    grid = table("Budgets (UTC periods)", "budget", "scope", "spent of limit", "reserved", "resets", "refused")
    return fill(grid, (row for budget in budgets for row in _budget_rows(budget)))


def _budget_rows(budget: Mapping[str, Any]) -> list[list[str]]:
    limit = f"${budget.get('usd', 0):g}/{budget.get('period', '?')}"
    counters = budget.get("counters") or [{}]
    return [
        [
            str(budget.get("name")),
            str(counter.get("scope", "-")),
            f"${counter.get('spent_usd', 0):.4f} of {limit}",
            f"${counter.get('reserved_usd', 0):.4f}",
            str(budget.get("resets_at", "-"))[:10],
            str(budget.get("refused", 0)),
        ]
        for counter in counters
    ]
