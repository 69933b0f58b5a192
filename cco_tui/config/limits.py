"""settings.json's governance keys: `auth`, `limits` (rate limits) and `budgets` (spend caps), validated.

A rule matches requests by model glob, project glob and (optionally) access-key id glob; `per` says whether
each project (or key) counts on its own or all matching requests share one counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cco_tui.config.errors import ConfigError
from cco_tui.config.reader import JsonReader

AUTH_MODES = ("passthrough", "tokens")
PER_CHOICES = ("all", "project", "key")
PERIODS = ("day", "week", "month")
LIMIT_KEYS = ("name", "model", "project", "key", "per", "rpm", "tpm", "concurrent")
BUDGET_KEYS = ("name", "model", "project", "key", "per", "usd", "period")


@dataclass(frozen=True, slots=True)
class LimitRule:
    name: str
    model: str = "*"
    project: str = "*"
    key: str = "*"
    per: str = "all"
    rpm: int | None = None
    tpm: int | None = None
    concurrent: int | None = None


@dataclass(frozen=True, slots=True)
class BudgetRule:
    name: str
    usd: float
    period: str
    model: str = "*"
    project: str = "*"
    key: str = "*"
    per: str = "all"


def _items(data: Any, file: str, key: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(file, key, "must be a list of objects")
    return data


def parse_limits(data: Any, file: str) -> tuple[LimitRule, ...]:
    rules = tuple(_limit(item, file, f"limits[{index}]") for index, item in enumerate(_items(data, file, "limits")))
    _unique_names(rules, file, "limits")
    return rules


def _limit(data: Any, file: str, where: str) -> LimitRule:
    item = JsonReader(data, file, f"{where}.", where).only(*LIMIT_KEYS)
    rule = LimitRule(
        name=item.text("name", where),
        model=item.text("model", "*"),
        project=item.text("project", "*"),
        key=item.text("key", "*"),
        per=item.choice("per", "all", PER_CHOICES),
        rpm=item.count("rpm"),
        tpm=item.count("tpm"),
        concurrent=item.count("concurrent"),
    )
    if rule.rpm is None and rule.tpm is None and rule.concurrent is None:
        raise item.fail("rpm", "a limit needs at least one of rpm, tpm, concurrent")
    return rule


def parse_budgets(data: Any, file: str) -> tuple[BudgetRule, ...]:
    rules = tuple(_budget(item, file, f"budgets[{index}]") for index, item in enumerate(_items(data, file, "budgets")))
    _unique_names(rules, file, "budgets")
    return rules


def _budget(data: Any, file: str, where: str) -> BudgetRule:
    item = JsonReader(data, file, f"{where}.", where).only(*BUDGET_KEYS)
    return BudgetRule(
        name=item.text("name", where),
        usd=item.amount("usd"),
        period=item.choice("period", "month", PERIODS),
        model=item.text("model", "*"),
        project=item.text("project", "*"),
        key=item.text("key", "*"),
        per=item.choice("per", "all", PER_CHOICES),
    )


def _unique_names(rules: tuple[LimitRule | BudgetRule, ...], file: str, key: str) -> None:
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise ConfigError(file, f"{key}[{index}].name", f"{rule.name!r} is used by another rule")
        seen.add(rule.name)
