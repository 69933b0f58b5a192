"""Prices, cost of each usage mix, savings, and the pricing file's validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cco_tui.config.errors import ConfigError
from cco_tui.costs import (
    PricingTable,
    Usage,
    load_pricing,
    load_pricing_file,
    parse_pricing,
    price_cache_hit,
    price_request,
    shipped_pricing_path,
)

M = 1_000_000


@pytest.fixture(scope="module")
def table() -> PricingTable:
    return load_pricing_file(shipped_pricing_path())


def test_ships_every_family(table: PricingTable) -> None:
    families = [
        "claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-4",
        "claude-opus-4-1", "claude-sonnet-4", "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-haiku-4-5",
        "claude-3-5-haiku", "claude-opus-5", "claude-sonnet-5", "gpt-4o", "gpt-4o-mini", "gpt-4.1",
        "gpt-4.1-mini", "gpt-5", "gpt-5-mini", "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5",
        "claude-fable-5", "claude-fable-5-1", "claude-fable-5-2", "claude-mythos-5", "claude-mythos-5-1",
        "claude-mythos-5-2", "claude-opus-4-0", "claude-sonnet-4-0", "claude-3-7-sonnet", "claude-3-5-sonnet",
    ]  # fmt: skip
    missing = [model for model in families if model not in table.prices]
    assert missing == []


# (model, usage, hand-computed list price in USD)
MIXES = [
    ("claude-sonnet-4-5", Usage(input=1000, output=500), (1000 * 3 + 500 * 15) / M),
    (
        "claude-sonnet-4-5",
        Usage(input=10, output=20, cache_write_5m=4000),
        (10 * 3 + 20 * 15 + 4000 * 3.75) / M,
    ),
    ("claude-sonnet-4-5", Usage(input=10, output=20, cache_write_1h=4000), (10 * 3 + 20 * 15 + 4000 * 6) / M),
    (
        "claude-sonnet-4-5",
        Usage(input=10, output=20, cache_read=50_000),
        (10 * 3 + 20 * 15 + 50_000 * 0.3) / M,
    ),
    (
        "claude-opus-4-5",
        Usage(input=1234, output=567, cache_write_5m=1000, cache_write_1h=2000, cache_read=20_000),
        (1234 * 5 + 567 * 25 + 1000 * 6.25 + 2000 * 10 + 20_000 * 0.5) / M,
    ),
    ("claude-haiku-4-5", Usage(input=7, output=9, cache_read=3), (7 * 1 + 9 * 5 + 3 * 0.1) / M),
    ("claude-3-5-haiku", Usage(input=100, cache_write_5m=100), (100 * 0.8 + 100 * 1.0) / M),
    ("claude-opus-4-1", Usage(input=100, output=100), (100 * 15 + 100 * 75) / M),
    ("claude-sonnet-5", Usage(input=100, output=100, cache_read=100), (100 * 2 + 100 * 10 + 100 * 0.2) / M),
    ("gpt-4o", Usage(input=1000, output=100, cache_read=2000), (1000 * 2.5 + 100 * 10 + 2000 * 1.25) / M),
    ("gpt-5-mini", Usage(input=1000, output=100), (1000 * 0.25 + 100 * 2) / M),
]


@pytest.mark.parametrize(("model", "usage", "expected"), MIXES)
def test_cost_of_each_usage_mix(table: PricingTable, model: str, usage: Usage, expected: float) -> None:
    assert price_request(table, model, usage).cost_usd == pytest.approx(expected, abs=1e-12)


def test_long_context_tier_bills_the_whole_request_at_the_higher_rates(table: PricingTable) -> None:
    at = Usage(input=40_000, cache_read=60_000, output=1000)  # exactly 100k prompt tokens: not above
    over = Usage(input=40_000, cache_read=60_000, cache_write_1h=1, output=1000)  # the threshold counts cache too
    assert price_request(table, "claude-haiku-5-5", at).cost_usd == pytest.approx(
        (40_000 * 0.1 + 60_000 * 0.01 + 1000 * 0.5) / M
    )
    expected = (40_000 * 0.5 + 60_000 * 0.05 + 1 * 1.0 + 1000 * 2.5) / M
    assert price_request(table, "claude-haiku-5-5", over).cost_usd == pytest.approx(expected)


def test_sonnet_4_5_has_no_200k_tier_as_claude_code_prices_it(table: PricingTable) -> None:
    usage = Usage(input=150_000, cache_read=60_000, output=1000)
    assert price_request(table, "claude-sonnet-4-5[1m]", usage).cost_usd == pytest.approx(
        (150_000 * 3 + 60_000 * 0.3 + 1000 * 15) / M
    )


@pytest.mark.parametrize(
    ("model", "entry"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-20250514", "claude-opus-4"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5"),
        ("claude-opus-5-5[1m]", "claude-opus-5-5"),
        ("claude-opus-4-20250514", "claude-opus-4"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet"),
        ("us.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("claude-mythos-5-2", "claude-mythos-5-2"),
        ("anthropic/claude-haiku-4-5", "claude-haiku-4-5"),
        ("openrouter/anthropic/claude-opus-4-5-20251101", "claude-opus-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai/gpt-4.1", "gpt-4.1"),
        ("CLAUDE-SONNET-4-5", "claude-sonnet-4-5"),
        ("ollama/qwen3-coder", "ollama/*"),
        ("ollama/claude-sonnet-4-5", "ollama/*"),  # a local model named after Claude is still local
    ],
)
def test_lookup_finds_the_family_entry(table: PricingTable, model: str, entry: str) -> None:
    price = table.lookup(model)
    assert price is not None and price.model == entry


@pytest.mark.parametrize("model", ["claude-opus-4-9", "claude-opus-6", "mystery-model", "gpt-4", "qwen3-coder", ""])
def test_unknown_model_is_unpriced_not_free(table: PricingTable, model: str) -> None:
    assert table.lookup(model) is None
    costing = price_request(table, model, Usage(input=10, output=10))
    assert costing.cost_usd is None and costing.unpriced


def test_nothing_billed_costs_nothing_even_when_unpriced(table: PricingTable) -> None:
    assert price_request(table, "mystery-model", Usage()).cost_usd == 0.0


def test_prompt_caching_saving_is_cache_reads_at_input_minus_read_price(table: PricingTable) -> None:
    costing = price_request(table, "claude-sonnet-4-5", Usage(input=10, cache_read=100_000))
    assert costing.saved_prompt_cache_usd == pytest.approx(100_000 * (3 - 0.3) / M)
    assert costing.saved_cache_usd == 0 and costing.saved_local_usd == 0


def test_local_model_saves_its_comparison_models_cost(table: PricingTable) -> None:
    usage = Usage(input=2000, output=1000)
    costing = price_request(table, "ollama/llama3-70b", usage)
    assert costing.cost_usd == 0.0
    assert costing.saved_local_usd == pytest.approx((2000 * 3 + 1000 * 15) / M)  # vs claude-sonnet-4-5


def test_cache_hit_is_free_and_saves_the_original_cost(table: PricingTable) -> None:
    original = Usage(input=1000, output=500, cache_read=10)
    costing = price_cache_hit(table, "claude-opus-4-5-20251101", original)
    assert costing.cost_usd == 0.0
    assert costing.saved_cache_usd == pytest.approx((1000 * 5 + 500 * 25 + 10 * 0.5) / M)
    assert costing.saved_usd == costing.saved_cache_usd


def test_user_file_overrides_whole_entries(tmp_path: Path) -> None:
    user = tmp_path / "model-pricing.json"
    user.write_text(
        json.dumps(
            {
                "pricing": {
                    "claude-sonnet-4-5": {"input": 1, "output": 2},
                    "my-local-model": {"input": 0, "output": 0, "savings_comparison": "claude-opus-4-5"},
                }
            }
        )
    )
    table = load_pricing(shipped_pricing_path(), user)
    sonnet = table.lookup("claude-sonnet-4-5-20250929")
    assert sonnet is not None
    assert (sonnet.rates.input, sonnet.rates.output, sonnet.rates.cache_read) == (1.0, 2.0, 0.1)
    assert sonnet.rates.cache_write_1h == 2.0  # the user's entry replaced the shipped one whole
    assert table.lookup("claude-opus-4-5") is not None  # other shipped entries stay
    local = price_request(table, "my-local-model", Usage(input=M))
    assert local.saved_local_usd == pytest.approx(5.0)


def test_missing_user_file_leaves_the_shipped_prices(tmp_path: Path) -> None:
    table = load_pricing(shipped_pricing_path(), tmp_path / "absent.json")
    assert len(table) == len(load_pricing_file(shipped_pricing_path()))


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ({"input": -1, "output": 1}, "pricing.m.input", "negative"),
        ({"input": "3", "output": 1}, "pricing.m.input", "number"),
        ({"input": 1, "output": True}, "pricing.m.output", "number"),
        ({"input": 1}, "pricing.m.output", "missing"),
        ({"input": 1, "output": 1, "cache_read": None}, "pricing.m.cache_read", "number"),
        ({"input": 1, "output": 1, "ouput": 2}, "pricing.m.ouput", "unknown key"),
        (
            {"input": 0, "output": 0, "savings_comparison": "nope"},
            "pricing.m.savings_comparison",
            "unknown model",
        ),
        (
            {"input": 1, "output": 1, "long_context": {"input": 2, "output": 2}},
            "threshold_tokens",
            "positive",
        ),
        ([1, 2], "pricing.m", "object"),
    ],
)
def test_bad_pricing_file_names_file_and_key(tmp_path: Path, entry: object, key: str, words: str) -> None:
    path = tmp_path / "model-pricing.json"
    path.write_text(json.dumps({"pricing": {"m": entry}}))
    with pytest.raises(ConfigError) as caught:
        load_pricing_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and key in caught.value.key and words in message


def test_invalid_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "model-pricing.json"
    path.write_text('{"pricing": {\n  "m": {"input": 1,, }\n}}')
    with pytest.raises(ConfigError, match=r"line 2: not valid JSON"):
        load_pricing_file(path)


@pytest.mark.parametrize("data", [[], {"prices": {}}, {"pricing": []}])
def test_bad_document_shape(data: object) -> None:
    with pytest.raises(ConfigError, match=r"^user\.json: "):
        parse_pricing(data, "user.json")


def test_user_comparison_may_name_a_shipped_model(table: PricingTable) -> None:
    data = {"pricing": {"lm/x": {"input": 0, "output": 0, "savings_comparison": "claude-haiku-4-5-20251001"}}}
    with pytest.raises(ConfigError):
        parse_pricing(data, "user.json")  # alone, the target is unknown
    assert parse_pricing(data, "user.json", base=table).lookup("lm/x") is not None


def test_missing_cache_prices_default_to_documented_multipliers() -> None:
    table = parse_pricing({"pricing": {"m": {"input": 4, "output": 8}}}, "x.json")
    price = table.lookup("m")
    assert price is not None
    assert (price.rates.cache_write_5m, price.rates.cache_write_1h, price.rates.cache_read) == (5.0, 8.0, 0.4)
