"""settings.json's governance keys: `auth`, `limits` (rate limits) and `budgets` (spend caps), validated.

A rule matches requests by model glob, project glob and (optionally) access-key id glob; `per` says whether
each project (or key) counts on its own or all matching requests share one counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cco_tui.config.errors import ConfigError

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


class _Item:
    """One object of a list: typed fields whose errors name the file and `limits[2].rpm`."""

    def __init__(self, data: Any, file: str, where: str, known: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise ConfigError(file, where, "must be a JSON object")
        self.data, self.file, self.where = data, file, where
        unknown = sorted(key for key in data if key not in known and not str(key).startswith("_"))
        if unknown:
            raise self.fail(unknown[0], f"unknown key (known: {', '.join(known)})")

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, f"{self.where}.{key}", problem)

    def text(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        return value

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(key, f"must be a positive integer, got {value!r}")
        return value

    def amount(self, key: str) -> float:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(key, f"must be a number of USD, 0 or more, got {value!r}")
        return float(value)


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
    item = _Item(data, file, where, LIMIT_KEYS)
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
    item = _Item(data, file, where, BUDGET_KEYS)
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
