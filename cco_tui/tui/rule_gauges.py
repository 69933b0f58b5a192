"""Budgets and rate limits as one-line gauges for the dashboard, from the serving cco's /api/limits `rules`.

Current Project shows the counters that belong to its project (or are shared by every project); Machine-Wide
shows all of them. Each line says the use against the limit, when it resets and how many requests it refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cco_tui.tui.formatting import printable, usd

BAR_WIDTH = 10
SHARED_SCOPES = frozenset({"all", "*", ""})


def gauge(used: float, limit: float) -> str:
    """`███░░░░░░░ 30%`: a fixed-width bar, clamped to full."""
    share = used / limit if limit > 0 else 0.0
    filled = min(BAR_WIDTH, round(share * BAR_WIDTH))
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {share:.0%}"


def budget_lines(rules: Mapping[str, Any], project: str | None) -> list[str]:
    lines = []
    for budget in rules.get("budgets", []):
        for counter in budget.get("counters", []):
            if _belongs(counter, project):
                lines.append(_budget_line(budget, counter))
    return lines


def limit_lines(rules: Mapping[str, Any], project: str | None) -> list[str]:
    lines = []
    for limit in rules.get("limits", []):
        for counter in limit.get("counters", []):
            if _belongs(counter, project):
                lines.append(_limit_line(limit, counter))
    return lines


def rule_lines(rules: Mapping[str, Any], project: str | None = None) -> list[str]:
    """Every gauge for `project` (None: all projects)."""
    return [*budget_lines(rules, project), *limit_lines(rules, project)]


def _belongs(counter: Mapping[str, Any], project: str | None) -> bool:
    scope = str(counter.get("scope", ""))
    return project is None or scope == project or scope in SHARED_SCOPES


def _budget_line(budget: Mapping[str, Any], counter: Mapping[str, Any]) -> str:
    spent = float(counter.get("spent_usd", 0.0)) + float(counter.get("reserved_usd", 0.0))
    limit = float(budget.get("usd", 0.0))
    head = f"budget {printable(str(budget.get('name', '?')))} · {printable(str(counter.get('scope', '')))}"
    return f"{head}  {gauge(spent, limit)}  {usd(spent)} of {usd(limit)}/{budget.get('period', '?')}" + _tail(
        budget, budget.get("resets_at")
    )


def _limit_line(limit: Mapping[str, Any], counter: Mapping[str, Any]) -> str:
    parts = []
    if limit.get("rpm"):
        parts.append(f"{counter.get('requests', 0):,}/{int(limit['rpm']):,} rpm")
    if limit.get("tpm"):
        parts.append(f"{counter.get('tokens', 0):,}/{int(limit['tpm']):,} tpm")
    if limit.get("concurrent") and counter.get("concurrent") is not None:
        parts.append(f"{counter['concurrent']}/{int(limit['concurrent'])} at once")
    head = f"limit {printable(str(limit.get('name', '?')))} · {printable(str(counter.get('scope', '')))}"
    return f"{head}  {' · '.join(parts) or 'no counters'}" + _tail(limit, counter.get("resets_at"))


def _tail(rule: Mapping[str, Any], resets_at: object) -> str:
    refused = int(rule.get("refused", 0) or 0)
    when = f" · resets {str(resets_at)[11:16]} UTC" if isinstance(resets_at, str) and len(resets_at) >= 16 else ""
    return when + (f" · {refused:,} refused" if refused else "")
