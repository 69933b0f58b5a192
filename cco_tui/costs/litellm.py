"""Prices from a map in LiteLLM's `model_prices_and_context_window.json` format (USD per token) → a PricingTable.

The map is public, maintained by many tools, and much larger than what we need: an entry is kept when it has
an input and an output price per token. A tier such as `input_cost_per_token_above_200k_tokens` becomes our
long_context rates (the whole request at those rates once its prompt exceeds 200k tokens).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from cco_tui.config.errors import ConfigError
from cco_tui.costs.pricing import CACHE_MULTIPLIERS, PER_MILLION, LongContext, ModelPrice, PricingTable, Rates

# Our rate name → LiteLLM's per-token field (a tier adds `_above_<N>k_tokens`).
FIELDS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_write_5m": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
    "cache_read": "cache_read_input_token_cost",
}
_TIER = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")


def parse_litellm(data: object, source: str) -> PricingTable:
    """Every usable entry of the map; entries without both token prices (images, audio, `sample_spec`) are skipped."""
    if not isinstance(data, dict):
        raise ConfigError(source, "(top level)", "must be a JSON object of model id → prices (LiteLLM format)")
    prices = {}
    for model, entry in data.items():
        price = _entry(str(model), entry)
        if price is not None:
            prices[str(model)] = price
    if not prices:
        raise ConfigError(source, "(top level)", "holds no model with input_cost_per_token and output_cost_per_token")
    return PricingTable(prices)


def _entry(model: str, entry: object) -> ModelPrice | None:
    if not isinstance(entry, Mapping) or "*" in model:
        return None  # our table reads `*` as a pattern: a map's key must not price ids it never named
    base = _rates(entry, "", None)
    if base is None or (base.input == 0 and base.output == 0):
        return None  # a zero price in a public map means "not known", not "free": local models have our patterns
    return ModelPrice(model=model, rates=base, long_context=_long_context(entry, base))


def _rates(entry: Mapping[str, Any], suffix: str, fallback: Rates | None) -> Rates | None:
    """Rates from the fields ending in `suffix`. A base entry needs input and output, and a cache price it leaves
    out follows CACHE_MULTIPLIERS; a tier needs only input, the rest comes from `fallback` (base rates scaled)."""
    values = {name: _per_million(entry.get(field + suffix)) for name, field in FIELDS.items()}
    input_price = values["input"]
    output_price = values["output"] if values["output"] is not None else getattr(fallback, "output", None)
    if input_price is None or output_price is None:
        return None
    cache = {
        name: _cache_price(values[name], fallback, name, input_price * factor)
        for name, factor in CACHE_MULTIPLIERS.items()
    }
    return Rates(input=input_price, output=output_price, **cache)


def _cache_price(given: float | None, fallback: Rates | None, name: str, default: float) -> float:
    if given is not None:
        return given
    return float(getattr(fallback, name)) if fallback is not None else default


def _scaled(base: Rates, input_price: float) -> Rates:
    """The base rates scaled to a tier's input price: a tier that omits a cache price keeps its ratio to input."""
    factor = input_price / base.input if base.input else 1.0
    return Rates(*(round(getattr(base, name) * factor, 9) for name in ("input", "output", *CACHE_MULTIPLIERS)))


def _long_context(entry: Mapping[str, Any], base: Rates) -> LongContext | None:
    """The lowest `_above_<N>k_tokens` tier (we model one tier; the maps hold at most one per model today)."""
    thresholds = sorted(int(match.group(1)) for key in entry if (match := _TIER.match(str(key))))
    for thousands in thresholds:
        suffix = f"_above_{thousands}k_tokens"
        tier_input = _per_million(entry.get(FIELDS["input"] + suffix))
        tier = _rates(entry, suffix, _scaled(base, tier_input)) if tier_input is not None else None
        if tier is not None:
            return LongContext(threshold_tokens=thousands * 1000, rates=tier)
    return None


def _per_million(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return round(float(value) * PER_MILLION, 9)  # 3e-06 * 1e6 is 2.9999999999999996: keep the price as written
