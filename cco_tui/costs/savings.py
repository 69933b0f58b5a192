"""What a request cost and what it saved, by kind of saving.

- cache: a cco cache hit costs nothing and saves what the original answer cost;
- local: a model priced at 0 with a `savings_comparison` saves what the same tokens cost on that model;
- prompt_cache: Anthropic cache reads save the difference between the input price and the cache-read price;
- routing: a request served by another model than the one asked for (a route's `model`, a fallback) saves the
  requested model's price minus the served model's price on the same tokens: negative when the served model is
  dearer. It replaces `local` on such a row: both would count "what these tokens cost elsewhere" once each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.usage import Usage


@dataclass(frozen=True, slots=True)
class Costing:
    cost_usd: float | None  # None: the model has no price ("unpriced"), never silently 0
    saved_cache_usd: float = 0.0
    saved_local_usd: float = 0.0
    saved_prompt_cache_usd: float = 0.0
    saved_routing_usd: float = 0.0

    @property
    def unpriced(self) -> bool:
        return self.cost_usd is None

    @property
    def saved_usd(self) -> float:
        return self.saved_cache_usd + self.saved_local_usd + self.saved_prompt_cache_usd + self.saved_routing_usd


FREE = Costing(cost_usd=0.0)


def price_request(table: PricingTable, model: str, usage: Usage) -> Costing:
    """Cost and savings of a request the provider answered."""
    if usage.is_empty:
        return FREE  # nothing was billed, whatever the model (e.g. a 404 for an unknown model)
    price = table.lookup(model)
    if price is None:
        return Costing(cost_usd=None)
    cost = price.cost(usage)
    comparison = table.comparison_for(price)
    local = comparison.cost(usage) if cost == 0 and comparison is not None else 0.0
    return Costing(cost, saved_local_usd=local, saved_prompt_cache_usd=price.prompt_cache_savings(usage))


def price_cache_hit(table: PricingTable, original_model: str | None, original_usage: Usage | None) -> Costing:
    """A cco cache hit is free; it saved what the original answer cost (0 when that is unknown)."""
    if original_model is None or original_usage is None:
        return FREE
    original = price_request(table, original_model, original_usage).cost_usd
    return Costing(cost_usd=0.0, saved_cache_usd=original or 0.0)


def price_routed(table: PricingTable, costing: Costing, requested: str, usage: Usage) -> Costing:
    """`costing` of the served model, with what serving it instead of `requested` saved."""
    price = table.lookup(requested) if requested else None
    if price is None or costing.cost_usd is None or usage.is_empty:
        return costing
    return replace(costing, saved_local_usd=0.0, saved_routing_usd=price.cost(usage) - costing.cost_usd)


def price_record(
    table: PricingTable, model: str, usage: Usage, *, hit: bool, original: Usage | None, requested: str | None = None
) -> Costing:
    """The one pricing rule for a recorded request: a cco cache hit is priced from the original answer's
    usage (it cost nothing and saved that), anything else from its own usage; served by another model than
    `requested`, it also carries the routing saving."""
    if hit:
        return price_cache_hit(table, model, original or usage)
    costing = price_request(table, model, usage)
    if requested is None or requested == model:
        return costing
    return price_routed(table, costing, requested, usage)
