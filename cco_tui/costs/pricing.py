"""The pricing table (USD per million tokens, from model-pricing.json) and the cost of a usage mix.

Prices are data, never code: the shipped file holds list prices and a user file overrides whole entries.
A model the table cannot price is "unpriced" (cost None), never free.
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cco_tui.config.errors import ConfigError
from cco_tui.config.paths import shipped_config_dir
from cco_tui.costs.model_ids import without_provider, without_suffixes
from cco_tui.costs.usage import Usage

PER_MILLION = 1_000_000
# Anthropic's documented multipliers on the input price, used where an entry leaves a cache price out.
CACHE_MULTIPLIERS = {"cache_write_5m": 1.25, "cache_write_1h": 2.0, "cache_read": 0.1}
RATE_KEYS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
ENTRY_KEYS = frozenset((*RATE_KEYS, "savings_comparison", "long_context"))
LONG_CONTEXT_KEYS = frozenset((*RATE_KEYS, "threshold_tokens"))
_MEMO_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens for each kind of token."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.input * self.input
            + usage.output * self.output
            + usage.cache_write_5m * self.cache_write_5m
            + usage.cache_write_1h * self.cache_write_1h
            + usage.cache_read * self.cache_read
        ) / PER_MILLION


@dataclass(frozen=True, slots=True)
class LongContext:
    """Higher rates for a whole request once its prompt (cache included) exceeds the threshold."""

    threshold_tokens: int
    rates: Rates


@dataclass(frozen=True, slots=True)
class ModelPrice:
    model: str  # the table key that matched, e.g. "claude-sonnet-4-5" or "ollama/*"
    rates: Rates
    savings_comparison: str | None = None
    long_context: LongContext | None = None

    def rates_for(self, usage: Usage) -> Rates:
        tier = self.long_context
        return tier.rates if tier and usage.total_input > tier.threshold_tokens else self.rates

    def cost(self, usage: Usage) -> float:
        return self.rates_for(usage).cost(usage)

    def prompt_cache_savings(self, usage: Usage) -> float:
        """What the cache-read tokens would have cost as plain input, minus what they did cost."""
        rates = self.rates_for(usage)
        return max(usage.cache_read * (rates.input - rates.cache_read) / PER_MILLION, 0.0)


class PricingTable:
    """Model id → price: the exact id, its dated/aliased forms, `*` patterns, then provider-less forms."""

    def __init__(self, prices: Mapping[str, ModelPrice]) -> None:
        self._prices = dict(prices)
        self._exact = {key.lower(): price for key, price in prices.items() if "*" not in key}
        patterns = [(key.lower(), price) for key, price in prices.items() if "*" in key]
        self._patterns = sorted(patterns, key=lambda item: -len(item[0]))  # most specific first
        self._memo: dict[str, ModelPrice | None] = {}

    @property
    def prices(self) -> Mapping[str, ModelPrice]:
        return self._prices

    def __len__(self) -> int:
        return len(self._prices)

    def lookup(self, model: str) -> ModelPrice | None:
        key = model.strip().lower()
        if key not in self._memo:
            if len(self._memo) >= _MEMO_LIMIT:  # ids come from clients: keep the memo bounded
                self._memo.clear()
            self._memo[key] = self._find(key)
        return self._memo[key]

    def comparison_for(self, price: ModelPrice) -> ModelPrice | None:
        return self.lookup(price.savings_comparison) if price.savings_comparison else None

    def _find(self, model: str) -> ModelPrice | None:
        found = self._find_spelling(model)
        bare = without_provider(model)
        if found is None and bare is not None:
            found = self._find_spelling(bare)
        return found

    def _find_spelling(self, model: str) -> ModelPrice | None:
        for form in without_suffixes(model):
            if form in self._exact:
                return self._exact[form]
        return next((price for pattern, price in self._patterns if fnmatch.fnmatchcase(model, pattern)), None)


def merge(shipped: PricingTable, user: PricingTable) -> PricingTable:
    """The shipped table with every entry the user file names replaced (whole entries, not fields)."""
    return PricingTable({**shipped.prices, **user.prices})


def parse_pricing(data: object, source: str, base: PricingTable | None = None) -> PricingTable:
    """Validate a model-pricing.json document; `base` (the shipped table) may satisfy savings_comparison."""
    section = _pricing_section(data, source)
    table = PricingTable({model: _parse_entry(model, spec, source) for model, spec in section.items()})
    _check_comparisons(table, base, source)
    return table


def load_pricing_file(path: Path, base: PricingTable | None = None) -> PricingTable:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot read: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from exc
    return parse_pricing(data, str(path), base)


def load_pricing(shipped: Path, user: Path | None = None) -> PricingTable:
    """The shipped prices, overridden by the user's file when it exists."""
    table, user_table = load_pricing_layers(shipped, user)
    return table if user_table is None else merge(table, user_table)


def load_pricing_layers(shipped: Path, user: Path | None = None) -> tuple[PricingTable, PricingTable | None]:
    """The shipped table and the user's (None without a user file of its own)."""
    table = load_pricing_file(shipped)
    if user is None or not user.exists() or user.resolve() == shipped.resolve():
        return table, None
    return table, load_pricing_file(user, base=table)


def shipped_pricing_path() -> Path:
    """model-pricing.json as shipped: inside the wheel, or in the source checkout's config/."""
    return shipped_config_dir() / "model-pricing.json"


def _pricing_section(data: object, source: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(source, "(top level)", 'must be a JSON object with a "pricing" object')
    unknown = sorted(key for key in data if key != "pricing" and not key.startswith("_"))
    if unknown:
        raise ConfigError(source, unknown[0], 'unknown key (expected "pricing")')
    section = data.get("pricing")
    if not isinstance(section, dict):
        raise ConfigError(source, "pricing", "must be an object of model id → prices")
    return section


def _parse_entry(model: str, spec: object, source: str) -> ModelPrice:
    where = f"pricing.{model}"
    if not isinstance(spec, dict):
        raise ConfigError(source, where, 'must be an object with at least "input" and "output"')
    _reject_unknown(spec, ENTRY_KEYS, source, where)
    return ModelPrice(
        model=model,
        rates=_parse_rates(spec, source, where),
        savings_comparison=_parse_comparison(spec, source, where),
        long_context=_parse_long_context(spec.get("long_context"), source, f"{where}.long_context"),
    )


def _reject_unknown(spec: dict[str, Any], allowed: frozenset[str], source: str, where: str) -> None:
    unknown = sorted(key for key in spec if key not in allowed and not key.startswith("_"))
    if unknown:
        expected = ", ".join(sorted(allowed))
        raise ConfigError(source, f"{where}.{unknown[0]}", f"unknown key (expected one of: {expected})")


def _parse_rates(spec: dict[str, Any], source: str, where: str) -> Rates:
    base = {key: _price(spec, key, source, where) for key in ("input", "output")}
    cache = {
        key: _price(spec, key, source, where) if key in spec else base["input"] * factor
        for key, factor in CACHE_MULTIPLIERS.items()
    }
    return Rates(**base, **cache)


def _price(spec: dict[str, Any], key: str, source: str, where: str) -> float:
    if key not in spec:
        raise ConfigError(source, f"{where}.{key}", "missing (USD per million tokens)")
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(source, f"{where}.{key}", f"must be a number of USD per million tokens, not {value!r}")
    if value < 0:
        raise ConfigError(source, f"{where}.{key}", f"must not be negative (got {value})")
    return float(value)


def _parse_comparison(spec: dict[str, Any], source: str, where: str) -> str | None:
    target = spec.get("savings_comparison")
    if target is None:
        return None
    if not isinstance(target, str) or not target.strip():
        raise ConfigError(source, f"{where}.savings_comparison", "must be the id of a priced model")
    return target.strip()


def _parse_long_context(spec: object, source: str, where: str) -> LongContext | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ConfigError(source, where, 'must be an object with "threshold_tokens" and prices')
    _reject_unknown(spec, LONG_CONTEXT_KEYS, source, where)
    threshold = spec.get("threshold_tokens")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
        raise ConfigError(source, f"{where}.threshold_tokens", f"must be a positive integer, not {threshold!r}")
    return LongContext(threshold_tokens=threshold, rates=_parse_rates(spec, source, where))


def _check_comparisons(table: PricingTable, base: PricingTable | None, source: str) -> None:
    for model, price in table.prices.items():
        target = price.savings_comparison
        if target is None or table.lookup(target) or (base is not None and base.lookup(target)):
            continue
        raise ConfigError(source, f"pricing.{model}.savings_comparison", f"unknown model {target!r} (no price for it)")
