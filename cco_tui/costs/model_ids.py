"""Spellings of one model id that should share a price entry.

Clients name the same model many ways: dated snapshots (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`),
aliases (`-latest`), Vertex (`claude-sonnet-4-5@20250929`), Bedrock (`us.anthropic.claude-…-v1:0`),
gateway prefixes (`anthropic/…`, `openrouter/anthropic/…`) and Claude Code's `[1m]` context suffix.
"""

from __future__ import annotations

import re

_SUFFIXES = (
    re.compile(r"\[[^\]]*\]$"),  # claude-sonnet-4-5[1m]
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock revision: -v1:0
    re.compile(r"@[\w.-]+$"),  # Vertex snapshot: @20250929
    re.compile(r"-\d{8}$"),  # Anthropic snapshot: -20250929
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # OpenAI snapshot: -2024-08-06
    re.compile(r"-latest$"),
)
_BEDROCK_PREFIX = re.compile(r"^(?:[a-z]{2,4}\.)?anthropic\.")


def without_suffixes(model: str) -> list[str]:
    """The id, then each shorter form left after peeling one known suffix at a time."""
    forms = [model]
    current = model
    for pattern in _SUFFIXES:
        shorter = pattern.sub("", current)
        if shorter != current and shorter:
            forms.append(shorter)
            current = shorter
    return forms


def without_provider(model: str) -> str | None:
    """The id with a gateway or Bedrock prefix removed, or None when it has none."""
    bare = model.rsplit("/", 1)[-1]
    bare = _BEDROCK_PREFIX.sub("", bare)
    return bare if bare and bare != model else None
