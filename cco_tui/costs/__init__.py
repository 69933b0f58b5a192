"""Pricing and cost: the price table, token usage, and what each request cost and saved."""

from cco_tui.costs.pricing import (
    LongContext,
    ModelPrice,
    PricingTable,
    Rates,
    load_pricing,
    load_pricing_file,
    merge,
    parse_pricing,
    shipped_pricing_path,
)
from cco_tui.costs.savings import Costing, price_cache_hit, price_record, price_request
from cco_tui.costs.usage import Usage, usage_from_anthropic

__all__ = [
    "Costing",
    "LongContext",
    "ModelPrice",
    "PricingTable",
    "Rates",
    "Usage",
    "load_pricing",
    "load_pricing_file",
    "merge",
    "parse_pricing",
    "price_cache_hit",
    "price_record",
    "price_request",
    "shipped_pricing_path",
    "usage_from_anthropic",
]
