"""Memory and speed of the response cache with 10,000 typical Claude Code answers (2-8 KB of SSE each).

Prints RSS before and after filling the cache, the cache's own byte accounting next to what Python really
allocated (tracemalloc), and the time per get / put / replay. Run:
    PYTHONPATH=. .venv/bin/python bench/cache_memory.py [entries]
"""

from __future__ import annotations

import os
import random
import string
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from cco_tui.cache.entry import CacheEntry, replay
from cco_tui.cache.keys import cache_key
from cco_tui.cache.store import ResponseCache
from cco_tui.wire.sse import encode_event

PAGE = os.sysconf("SC_PAGE_SIZE")
USAGE = {
    "input_tokens": 4,
    "cache_creation_input_tokens": 2100,
    "cache_read_input_tokens": 18000,
    "cache_creation": {"ephemeral_5m_input_tokens": 2100, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 0,
    "service_tier": "standard",
}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1e6


def answer_sse(rng: random.Random) -> bytes:
    """A streamed text answer framed like the API's: one text_delta per few words."""
    target = rng.randrange(2000, 8000)
    message: dict[str, Any] = {
        "id": f"msg_{rng.getrandbits(64):016x}",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": USAGE,
    }
    events = [
        encode_event("message_start", {"type": "message_start", "message": message}),
        encode_event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    size = sum(map(len, events))
    while size < target:
        words = " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randrange(2, 9))) for _ in range(4))
        delta = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": words + " "},
        }
        events.append(encode_event("content_block_delta", delta))
        size += len(events[-1])
    events += [
        encode_event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        encode_event(
            "message_delta",
            {
                "type": "message_delta",
                "usage": {**USAGE, "output_tokens": 400},
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            },
        ),
        encode_event("message_stop", {"type": "message_stop"}),
    ]
    return b"".join(events)


def make_entries(count: int, seed: int = 1) -> list[tuple[str, CacheEntry]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        body = answer_sse(rng)
        key = cache_key(
            provider="anthropic",
            upstream_model="claude-sonnet-4-5",
            path="/v1/messages",
            anthropic_version="2023-06-01",
            anthropic_beta=None,
            body={"n": i},
        )
        out.append(
            (
                key,
                CacheEntry.create(
                    body,
                    is_stream=True,
                    usage={**USAGE, "output_tokens": 400},
                    model="claude-sonnet-4-5-20250929",
                ),
            )
        )
    return out


def per_op_us(action: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - started) / repeat * 1e6


def measure_rss(count: int) -> None:
    before = rss_mb()
    cache = ResponseCache(max_bytes=256 * 1024 * 1024, ttl_seconds=86400)
    entries = make_entries(count)
    body_mb = sum(len(entry.body) for _, entry in entries) / 1e6
    started = time.perf_counter()
    for key, entry in entries:
        cache.put("key:0123456789abcdef0123456789abcdef", key, entry)
    put_us = (time.perf_counter() - started) / count * 1e6
    keys = [key for key, _ in entries]
    del entries
    after = rss_mb()
    stats = cache.stats()
    print(f"entries: {stats['entries']:,}  bodies: {body_mb:.1f} MB (mean {body_mb * 1e6 / count:,.0f} B)")
    print(
        f"RSS before: {before:.1f} MB  after: {after:.1f} MB  delta: {after - before:.1f} MB "
        f"({(after - before) * 1e6 / count:,.0f} B/entry)"
    )
    print(f"cache accounting: {stats['bytes'] / 1e6:.1f} MB ({stats['bytes'] / count:,.0f} B/entry)")
    print(f"put: {put_us:.2f} us/op")
    measure_ops(cache, keys)


def measure_ops(cache: ResponseCache, keys: list[str]) -> None:
    scope = "key:0123456789abcdef0123456789abcdef"
    rng = random.Random(2)
    picks = [rng.choice(keys) for _ in range(100_000)]
    it = iter(picks)
    print(f"get (hit): {per_op_us(lambda: cache.get(scope, next(it)), len(picks)):.2f} us/op")
    print(f"get (miss): {per_op_us(lambda: cache.get(scope, 'nope'), 100_000):.2f} us/op")
    entry = cache.get(scope, keys[0])
    assert entry is not None
    print(f"replay as SSE (stored SSE): {per_op_us(lambda: replay(entry, stream=True), 100_000):.2f} us/op")
    convert_us = per_op_us(lambda: replay(entry, stream=False), 2000)
    print(f"replay as JSON (stored SSE, converted): {convert_us:.1f} us/op ({len(entry.body):,} B body)")


def measure_overhead(count: int) -> None:
    """What an entry really costs beyond its body, for ENTRY_OVERHEAD."""
    entries = make_entries(count, seed=3)
    cache = ResponseCache(max_bytes=256 * 1024 * 1024, ttl_seconds=86400)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for key, entry in entries:
        cache.put("key:0123456789abcdef0123456789abcdef", key, entry)
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    # Bodies, entries, usage dicts and keys were allocated before tracing; add what they cost.
    own = (
        sum(sys.getsizeof(e) + sys.getsizeof(e.body) + sys.getsizeof(e.usage) + sys.getsizeof(k) for k, e in entries)
        / count
    )
    body = sum(len(e.body) for _, e in entries) / count
    charged = sum(e.size - len(e.body) for _, e in entries) / count
    print(
        f"per-entry memory beyond the body: {held / count + own - body:,.0f} B traced (no allocator slack), "
        f"{charged:,.0f} B charged"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    measure_rss(count)
    measure_overhead(min(count, 5000))


if __name__ == "__main__":
    main()
