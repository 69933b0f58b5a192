"""Usage extraction from Anthropic and OpenAI usage objects."""

from __future__ import annotations

from cco_tui.costs import Usage, usage_from_anthropic
from cco_tui.providers.openai_translate.usage import anthropic_usage


def test_anthropic_usage_with_the_cache_creation_split() -> None:
    usage = usage_from_anthropic(
        {
            "input_tokens": 12,
            "output_tokens": 34,
            "cache_creation_input_tokens": 300,
            "cache_read_input_tokens": 5000,
            "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
        }
    )
    assert usage == Usage(input=12, output=34, cache_write_5m=100, cache_write_1h=200, cache_read=5000)
    assert usage.total_input == 12 + 300 + 5000


def test_cache_writes_without_the_split_are_five_minute_writes() -> None:
    usage = usage_from_anthropic({"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 70})
    assert (usage.cache_write_5m, usage.cache_write_1h) == (70, 0)


def test_nulls_and_junk_count_as_zero() -> None:
    usage = usage_from_anthropic(
        {"input_tokens": None, "output_tokens": "7", "cache_read_input_tokens": -3, "cache_creation": None}
    )
    assert usage == Usage()
    assert usage.is_empty


def test_openai_prompt_tokens_include_the_cached_ones() -> None:
    """One conversion: the translator turns OpenAI usage into Anthropic usage, which the cost engine prices."""
    usage = usage_from_anthropic(
        anthropic_usage(
            {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": {"cached_tokens": 600}}
        )
    )
    assert usage == Usage(input=400, output=50, cache_read=600)


def test_deepseek_style_cache_hits_are_cache_reads() -> None:
    usage = usage_from_anthropic(
        anthropic_usage({"prompt_tokens": 1000, "completion_tokens": 5, "prompt_cache_hit_tokens": 700})
    )
    assert usage == Usage(input=300, output=5, cache_read=700)
