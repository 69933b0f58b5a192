"""ResponseCache: hits and misses, TTL, the byte bound, eviction under skew, one entry serving both forms."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable

import orjson

from cco_tui.cache.entry import CacheEntry, entry_as_json, entry_as_sse
from cco_tui.cache.store import ResponseCache
from cco_tui.wire.events import sse_to_message
from tests.cache import streams


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def entry(size: int = 2000, tag: bytes = b"x") -> CacheEntry:
    return CacheEntry.create(tag * size, is_stream=False, usage={"input_tokens": 1, "output_tokens": 2}, model="m")


def charge(scope: str, key: str, item: CacheEntry) -> int:
    return item.size + len(scope) + len(key)


def test_miss_then_hit_and_stats() -> None:
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=60)
    item = entry()
    assert cache.get("s", "k") is None
    assert cache.put("s", "k", item)
    assert cache.get("s", "k") is item
    assert cache.stats() == {
        "entries": 1,
        "bytes": charge("s", "k", item),
        "max_bytes": 1_000_000,
        "hits": 1,
        "misses": 1,
        "hit_rate": 0.5,
        "evictions": 0,
        "expired": 0,
        "coalesced": 0,
    }


def test_scopes_are_separate() -> None:
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=60)
    cache.put("alice", "k", entry())
    assert cache.get("bob", "k") is None
    assert cache.get("alice", "k") is not None


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=10, clock=clock)
    cache.put("s", "k", entry())
    clock.now += 9.99
    assert cache.get("s", "k") is not None
    clock.now += 0.01
    assert cache.get("s", "k") is None
    assert cache.stats()["entries"] == 0 and cache.stats()["bytes"] == 0
    assert cache.stats()["expired"] == 1


def test_expired_entries_are_swept_on_put_and_purge() -> None:
    clock = Clock()
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=10, clock=clock)
    for key in "abc":
        cache.put("s", key, entry())
    clock.now += 5
    cache.put("s", "d", entry())
    clock.now += 5
    cache.put("s", "e", entry())
    assert len(cache) == 2 and cache.stats()["bytes"] == 2 * charge("s", "d", entry())
    clock.now += 5
    assert cache.purge_expired() == 1
    assert len(cache) == 1 and cache.get("s", "e") is not None


def test_replacing_an_entry_does_not_count_it_twice() -> None:
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=60)
    cache.put("s", "k", entry(1000))
    cache.put("s", "k", entry(3000, b"y"))
    assert len(cache) == 1
    assert cache.stats()["bytes"] == charge("s", "k", entry(3000))
    hit = cache.get("s", "k")
    assert hit is not None and hit.body.startswith(b"y")


def live_bytes(cache: ResponseCache, keys: Iterable[str]) -> int:
    return sum(charge("s", key, hit) for key in keys if (hit := cache.get("s", key)) is not None)


def test_filling_past_max_bytes_stays_within_it_and_counts_evictions() -> None:
    cache = ResponseCache(max_bytes=200_000, ttl_seconds=60)
    keys = [f"k{i}" for i in range(1000)]
    rng = random.Random(3)
    for key in keys:
        cache.put("s", key, entry(rng.randrange(500, 6000)))
        assert cache.stats()["bytes"] <= 200_000
    stats = cache.stats()
    assert stats["evictions"] > 0
    assert stats["evictions"] + stats["entries"] == 1000
    assert live_bytes(cache, keys) == stats["bytes"]  # byte-accurate accounting


def test_an_entry_too_big_for_the_cache_is_refused() -> None:
    cache = ResponseCache(max_bytes=100_000, ttl_seconds=60)
    assert not cache.put("s", "big", entry(100_000 // 8))
    assert cache.put("s", "small", entry(1000))
    assert cache.get("s", "big") is None and len(cache) == 1


def test_clear_drops_everything_and_counts_it() -> None:
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=60)
    for key in "abc":
        cache.put("s", key, entry())
    assert cache.clear() == 3
    assert cache.get("s", "a") is None
    assert cache.stats()["entries"] == 0 and cache.stats()["bytes"] == 0
    assert cache.put("s", "a", entry()) and cache.get("s", "a") is not None


def test_coalesced_requests_are_counted() -> None:
    cache = ResponseCache(max_bytes=1_000_000, ttl_seconds=60)
    cache.count_coalesced()
    cache.count_coalesced()
    assert cache.stats()["coalesced"] == 2


# -- eviction under skew ------------------------------------------------------------------------------------

ITEM = entry(3000)
HOLDS = 100  # entries
HOT = [f"hot{i}" for i in range(40)]


def replay_trace(cache: ResponseCache, trace: Iterable[str]) -> float:
    """Run requests the way the proxy does (lookup; on a miss, store the answer); return the hit rate."""
    for key in trace:
        if cache.get("s", key) is None:
            cache.put("s", key, ITEM)
    return float(cache.stats()["hit_rate"])


def sized_cache(**policy: object) -> ResponseCache:
    return ResponseCache(max_bytes=HOLDS * charge("s", "hot00", ITEM), ttl_seconds=1e9, **policy)  # type: ignore[arg-type]


def hot_among_one_offs(seed: int, requests: int = 20_000) -> list[str]:
    """30% of requests ask for one of 40 hot answers, 70% for answers never asked again (an eval, a scan)."""
    rng, fresh = random.Random(seed), itertools.count()
    return [rng.choice(HOT) if rng.random() < 0.3 else f"once{next(fresh)}" for _ in range(requests)]


def zipf(seed: int, requests: int = 30_000, keys: int = 2000) -> list[str]:
    rng = random.Random(seed)
    return [f"z{i}" for i in rng.choices(range(keys), weights=[1 / (i + 1) for i in range(keys)], k=requests)]


def test_hot_entries_survive_a_flood_of_one_offs_where_lru_loses_them() -> None:
    trace = hot_among_one_offs(seed=1)
    lru = sized_cache(window_fraction=1.0, adaptive=False)
    ours = sized_cache()
    lru_rate, our_rate = replay_trace(lru, trace), replay_trace(ours, trace)
    assert our_rate > 1.4 * lru_rate
    assert our_rate > 0.27  # nearly every hot request hits (0.3 is the ceiling)
    assert sum(ours.get("s", key) is not None for key in HOT) >= 36


def test_beats_lru_on_a_zipf_trace() -> None:
    trace = zipf(seed=2)
    assert replay_trace(sized_cache(), trace) > 1.08 * replay_trace(
        sized_cache(window_fraction=1.0, adaptive=False), trace
    )


def repeated_soon(seed: int, answers: int = 15_000, gap: int = 80) -> list[str]:
    """Each answer asked exactly twice, the second time within `gap` requests: pure recency."""
    rng = random.Random(seed)
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


def test_adapts_towards_lru_when_only_recency_matters() -> None:
    trace = repeated_soon(seed=4)
    lru_rate = replay_trace(sized_cache(window_fraction=1.0, adaptive=False), trace)
    fixed_rate = replay_trace(sized_cache(window_fraction=0.01, adaptive=False), trace)
    adaptive_rate = replay_trace(sized_cache(window_fraction=0.01), trace)
    assert fixed_rate < 0.2 * lru_rate  # frequency alone is lost here: every answer looks equally rare
    assert adaptive_rate > 0.6 * lru_rate  # ... so the window grows, from 1% towards plain LRU


# -- one entry, both forms ----------------------------------------------------------------------------------


def test_a_stream_entry_answers_as_json_with_the_same_content_and_usage() -> None:
    message = sse_to_message(streams.TOOL_STREAM)
    item = CacheEntry.create(streams.TOOL_STREAM, is_stream=True, usage=message["usage"], model=message["model"])
    assert entry_as_sse(item) == streams.TOOL_STREAM  # the original bytes, replayed as they were
    as_json = orjson.loads(entry_as_json(item))
    assert as_json == message and as_json["usage"] == item.usage


def test_a_json_entry_answers_as_a_stream_with_the_same_content_and_usage() -> None:
    message = sse_to_message(streams.THINKING_STREAM)
    body = orjson.dumps(message)
    item = CacheEntry.create(body, is_stream=False, usage=message["usage"], model=message["model"])
    assert entry_as_json(item) == body
    assert sse_to_message(entry_as_sse(item)) == message


def test_entry_size_counts_body_and_overhead() -> None:
    small, big = entry(1000), entry(5000)
    assert big.size - small.size == 4000
    assert small.size > 1000
