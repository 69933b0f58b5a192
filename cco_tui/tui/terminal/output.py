"""Plain-text figures for the Terminal tab's commands (rows and key/value lines; no UI imports)."""

from __future__ import annotations

from collections.abc import Sequence

from cco_tui.config.routes import Route
from cco_tui.costs.pricing import PricingTable, Rates
from cco_tui.tui import formatting as fmt
from cco_tui.tui.proxy_client import CacheStats


def cache_lines(stats: CacheStats) -> list[tuple[str, str]]:
    return [
        ("entries", f"{stats.entries:,}"),
        ("size", f"{fmt.size(stats.bytes)} of {fmt.size(stats.max_bytes)}"),
        ("hits / misses", f"{stats.hits:,} / {stats.misses:,} ({fmt.percent(stats.hit_rate)})"),
        ("evictions", f"{stats.evictions:,}"),
        ("coalesced", f"{stats.coalesced:,}"),
    ]


def route_rows(routes: Sequence[Route]) -> list[tuple[str, str, str, str]]:
    """(pattern, provider, endpoint, what else applies) per route; a redirect has no provider of its own."""
    return [(r.pattern, r.provider or "→ route", r.endpoint or "-", _route_details(r)) for r in routes]


def _route_details(route: Route) -> str:
    fallbacks = f"fallbacks {', '.join(route.fallbacks)}" if route.fallbacks else "no fallbacks"
    when = f"{route.label}: when {route.when.reason} · " if route.when is not None else ""
    return f"{when}model {route.model or '(same)'} · {fallbacks}"


def pricing_rows(pricing: PricingTable, model: str | None) -> list[tuple[str, str, str, str, str]]:
    if model is None:
        return [_price_row(name, price.rates) for name, price in sorted(pricing.prices.items())]
    found = pricing.lookup(model)
    # The price's own name on a second line: on one line with the id asked for it took half the width.
    return [] if found is None else [_price_row(f"{model}\n→ {found.model}", found.rates)]


def _price_row(name: str, rates: Rates) -> tuple[str, str, str, str, str]:
    return (
        name,
        f"{rates.input:g}",
        f"{rates.output:g}",
        f"{rates.cache_write_5m:g}",
        f"{rates.cache_read:g}",
    )
