"""Hot-path costs of the cache core, and eviction quality against plain LRU.

- cache_key on a Claude Code-sized (~80 KB) body;
- MessageAccumulator per relayed event (what tapping a stream adds);
- hit rates of ResponseCache (adaptive W-TinyLFU) and of plain LRU on the same traces.
Run:  PYTHONPATH=. .venv/bin/python bench/cache_core.py
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from typing import Any

import orjson

from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.keys import cache_key
from cco_tui.cache.store import ResponseCache
from cco_tui.wire.events import MessageAccumulator
from cco_tui.wire.sse import SSEParser, encode_event


def per_op_us(action: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - started) / repeat * 1e6


def claude_code_body() -> dict[str, Any]:
    rng = random.Random(5)

    def words(count: int) -> str:
        return " ".join(rng.choice(["read", "file", "the", "tool", "path", "edit"]) for _ in range(count))

    tools = [
        {"name": f"Tool{i}", "description": words(700), "input_schema": {"type": "object", "properties": {}}}
        for i in range(20)
    ]
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "stream": True,
        "system": [{"type": "text", "text": words(1500), "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": words(300)}]}],
        "tools": tools,
        "metadata": {"user_id": "x"},
    }


def bench_key() -> None:
    body = claude_code_body()
    size = len(orjson.dumps(body))

    def key() -> str:
        return cache_key(
            provider="anthropic",
            upstream_model="claude-sonnet-4-5",
            path="/v1/messages?beta=true",
            anthropic_version="2023-06-01",
            anthropic_beta="claude-code-20250219,interleaved-thinking-2025-05-14",
            body=body,
        )

    print(f"cache_key, {size / 1000:.0f} KB body: {per_op_us(key, 2000):.0f} us/op")


def bench_accumulator() -> None:
    deltas = [
        encode_event(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "some words here "},
            },
        )
        for _ in range(1000)
    ]
    events = SSEParser().feed(b"".join(deltas))
    start = {"type": "message_start", "message": {"model": "m", "usage": {"input_tokens": 1}, "content": []}}
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    primed = SSEParser().feed(encode_event("message_start", start) + encode_event("content_block_start", block))

    def tap() -> None:
        accumulator = MessageAccumulator()
        for event in (*primed, *events):
            accumulator.feed(event)

    print(f"MessageAccumulator.feed: {per_op_us(tap, 200) / len(events):.2f} us/event (parsed events)")
    raw = b"".join(deltas)
    chunks = [raw[i : i + 1400] for i in range(0, len(raw), 1400)]
    print(f"SSEParser.feed, 1400 B chunks: {per_op_us(lambda: _parse(chunks), 200) / len(events):.2f} us/event")


def _parse(chunks: list[bytes]) -> None:
    parser = SSEParser()
    for chunk in chunks:
        parser.feed(chunk)


ITEM = CacheEntry.create(b"x" * 3000, is_stream=False, usage={}, model="m")


def hit_rate(trace: list[str], **policy: Any) -> float:
    cache = ResponseCache(max_bytes=1000 * (ITEM.size + 80), ttl_seconds=1e9, **policy)
    for key in trace:
        if cache.get("s", key) is None:
            cache.put("s", key, ITEM)
    return float(cache.stats()["hit_rate"])


def traces() -> dict[str, list[str]]:
    rng, fresh = random.Random(1), itertools.count()
    weights = [1 / (i + 1) for i in range(20_000)]
    return {
        "zipf(1.0), 20k answers": [f"z{i}" for i in rng.choices(range(20_000), weights=weights, k=200_000)],
        "400 hot (30%) + one-offs": [
            f"h{rng.randrange(400)}" if rng.random() < 0.3 else f"o{next(fresh)}" for _ in range(200_000)
        ],
        "each answer twice, <800 apart": _twice(rng, 100_000, 800),
    }


def _twice(rng: random.Random, answers: int, gap: int) -> list[str]:
    slots: dict[int, str] = {}
    position = 0
    for answer in range(answers):
        while position in slots:
            position += 1
        second = position + 1 + rng.randrange(gap)
        while second in slots:
            second += 1
        slots[position] = slots[second] = f"r{answer}"
    return [slots[i] for i in sorted(slots)]


def bench_eviction() -> None:
    print("hit rates, cache holding 1,000 answers:  LRU  |  cco (adaptive W-TinyLFU)")
    for name, trace in traces().items():
        lru = hit_rate(trace, window_fraction=1.0, adaptive=False)
        ours = hit_rate(trace)
        print(f"  {name:32} {lru:6.3f} | {ours:6.3f}  ({ours / lru:.2f}x)")


def main() -> None:
    bench_key()
    bench_accumulator()
    bench_eviction()


if __name__ == "__main__":
    main()
