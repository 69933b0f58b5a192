"""Token usage of one request, split by how each kind is billed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Usage:
    """Billed tokens by kind; `input` is the uncached part only, as Anthropic reports it."""

    input: int = 0
    output: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def total_input(self) -> int:
        """All prompt tokens, cached or not: what long-context pricing thresholds count."""
        return self.input + self.cache_write + self.cache_read

    @property
    def is_empty(self) -> bool:
        return self.total_input + self.output == 0


def _count(value: Any) -> int:
    """A token count from JSON: tolerate null, floats and junk (a bad count must not lose the row)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(int(value), 0)


def usage_from_anthropic(usage_json: Mapping[str, Any]) -> Usage:
    """Anthropic `usage` → Usage. Without the `cache_creation` split, every cache write is a 5-minute one."""
    written = _count(usage_json.get("cache_creation_input_tokens"))
    split = usage_json.get("cache_creation")
    one_hour = _count(split.get("ephemeral_1h_input_tokens")) if isinstance(split, Mapping) else 0
    five_min = _count(split.get("ephemeral_5m_input_tokens")) if isinstance(split, Mapping) else written
    # The split and the total should agree; if the total is larger, the unexplained part bills as 5m.
    five_min += max(written - five_min - one_hour, 0)
    return Usage(
        input=_count(usage_json.get("input_tokens")),
        output=_count(usage_json.get("output_tokens")),
        cache_write_5m=five_min,
        cache_write_1h=one_hour,
        cache_read=_count(usage_json.get("cache_read_input_tokens")),
    )
