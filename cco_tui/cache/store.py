"""The in-memory response cache: bounded by bytes and by age, keeping hot entries under skew.

Eviction is adaptive W-TinyLFU, weighted by bytes (the design of Caffeine and Moka, written for this cache):
- a new entry enters an LRU *window* (20% of the bytes to start with), so answers asked for again soon
  after are served by recency;
- leaving the window, it becomes a *candidate* for the main space, a segmented LRU (probation, then
  protected once hit again). While the cache is over its bound, the candidate is compared with the
  main space's least recent entry by a frequency sketch of recent requests: the less requested one is
  evicted. Ties admit the candidate, so traffic of equally rare answers behaves like LRU, while a flood of
  one-off answers (an eval run, a scan) cannot push out entries that are asked for again and again;
- a hill climber (climber.py) moves the window's share by the hit rate it observes: recency-heavy traffic
  grows the window towards plain LRU, skewed traffic shrinks it.
With `window_fraction=1.0, adaptive=False` the cache is plain LRU (the baseline in tests and bench).

Expiry: all entries share one TTL, so insertion order is expiry order and expired entries are dropped from
the front of an insertion-ordered index on every put, in amortised O(1).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from cco_tui.cache.climber import HillClimber
from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.sketch import FrequencySketch

SlotKey = tuple[str, str]  # (scope, key)
_TYPICAL_ENTRY_BYTES = 4096  # sizes the frequency sketch for the number of entries max_bytes holds
INITIAL_WINDOW = 0.2  # a start that is good for both recency and skew; hill climbing then adapts it
_SAMPLE_BOUNDS = (1000, 10_000)  # lookups per hill-climbing step: 10 per entry the cache holds, bounded


class _Slot:
    __slots__ = ("charge", "entry", "segment", "stored_at")

    def __init__(self, entry: CacheEntry, charge: int, stored_at: float) -> None:
        self.entry = entry
        self.charge = charge
        self.stored_at = stored_at
        self.segment: _Segment | None = None


class _Segment:
    """An LRU list of slots (oldest first) and the bytes they hold."""

    __slots__ = ("bytes", "slots")

    def __init__(self) -> None:
        self.slots: OrderedDict[SlotKey, _Slot] = OrderedDict()
        self.bytes = 0

    def add(self, key: SlotKey, slot: _Slot) -> None:
        self.slots[key] = slot
        self.bytes += slot.charge
        slot.segment = self

    def remove(self, key: SlotKey) -> _Slot:
        slot = self.slots.pop(key)
        self.bytes -= slot.charge
        slot.segment = None
        return slot

    def oldest(self) -> SlotKey | None:
        return next(iter(self.slots), None)


class ResponseCache:
    """Complete answers by (scope, key), within `max_bytes` and `ttl_seconds`. Event-loop use only."""

    def __init__(
        self,
        max_bytes: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_entry_bytes: int | None = None,
        window_fraction: float = INITIAL_WINDOW,
        protected_fraction: float = 0.8,
        adaptive: bool = True,
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self.max_entry_bytes = max_bytes // 8 if max_entry_bytes is None else max_entry_bytes
        self._clock = clock
        self._protected_fraction = protected_fraction
        expected_entries = max_bytes // _TYPICAL_ENTRY_BYTES
        self._sketch = FrequencySketch(expected_entries)
        sample_size = min(max(10 * expected_entries, _SAMPLE_BOUNDS[0]), _SAMPLE_BOUNDS[1])
        self._climber = HillClimber(sample_size, window_fraction) if adaptive else None
        self._set_window(window_fraction)
        self._reset()
        self._hits = self._misses = self._evictions = self._expired = self._coalesced = 0

    def _reset(self) -> None:
        self._index: OrderedDict[SlotKey, _Slot] = OrderedDict()  # insertion order == expiry order
        self._window, self._probation, self._protected = _Segment(), _Segment(), _Segment()
        self._bytes = 0

    # -- public API ---------------------------------------------------------------------------------------

    def get(self, scope: str, key: str) -> CacheEntry | None:
        """The live entry for this request, or None (an expired entry is dropped, not returned)."""
        slot_key = (scope, key)
        self._sketch.increment(slot_key)
        slot = self._index.get(slot_key)
        if slot is not None and self._is_expired(slot):
            self._discard(slot_key)
            self._expired += 1
            slot = None
        self._adapt(slot is not None)
        if slot is None:
            self._misses += 1
            return None
        self._hits += 1
        self._touch(slot_key, slot)
        return slot.entry

    def put(self, scope: str, key: str, entry: CacheEntry, *, age: float = 0.0) -> bool:
        """Store an entry; False if it is too big for this cache or lost admission straight away.

        `age` (seconds already lived) is for warming from the persistent tier, oldest entry first, so
        expiry order stays insertion order.
        """
        charge = entry.size + len(scope) + len(key)
        if charge > self.max_entry_bytes or charge > self.max_bytes or age >= self.ttl_seconds:
            return False
        slot_key = (scope, key)
        self._sketch.increment(slot_key)
        if slot_key in self._index:
            self._discard(slot_key)
        self.purge_expired()
        slot = _Slot(entry, charge, self._clock() - age)
        self._index[slot_key] = slot
        self._window.add(slot_key, slot)
        self._bytes += charge
        self._fit()
        return slot_key in self._index

    def purge_expired(self) -> int:
        """Drop every expired entry (cheap: they are at the front of the index); return how many."""
        dropped = 0
        while self._index:
            slot_key, slot = next(iter(self._index.items()))
            if not self._is_expired(slot):
                break
            self._discard(slot_key)
            dropped += 1
        self._expired += dropped
        return dropped

    def clear(self) -> int:
        """Drop every entry; return how many there were. Counters are kept (they are lifetime totals)."""
        count = len(self._index)
        self._reset()
        return count

    def count_coalesced(self) -> None:
        """Count one request answered by joining an identical in-flight request. Its lookup found nothing yet,
        but it was answered without going upstream: for the hit rate it is a hit, as the dashboard counts it."""
        self._coalesced += 1
        self._misses -= 1
        self._hits += 1

    def stats(self) -> dict[str, Any]:
        lookups = self._hits + self._misses
        return {
            "entries": len(self._index),
            "bytes": self._bytes,
            "max_bytes": self.max_bytes,
            "hits": self._hits,
            "misses": self._misses,
            "hit_rate": self._hits / lookups if lookups else 0.0,
            "evictions": self._evictions,
            "expired": self._expired,
            "coalesced": self._coalesced,
        }

    def __len__(self) -> int:
        return len(self._index)

    # -- recency and frequency ----------------------------------------------------------------------------

    def _is_expired(self, slot: _Slot) -> bool:
        return self._clock() - slot.stored_at >= self.ttl_seconds

    def _touch(self, slot_key: SlotKey, slot: _Slot) -> None:
        if slot.segment is self._probation:
            self._probation.remove(slot_key)
            self._protected.add(slot_key, slot)
            self._demote_overflow()
        elif slot.segment is not None:
            slot.segment.slots.move_to_end(slot_key)

    def _demote_overflow(self) -> None:
        while self._protected.bytes > self._protected_cap:
            oldest = self._protected.oldest()
            assert oldest is not None  # bytes > 0 means a slot is there
            self._probation.add(oldest, self._protected.remove(oldest))

    def _adapt(self, hit: bool) -> None:
        if self._climber is not None and self._climber.record(hit):
            self._set_window(self._climber.fraction)
            self._fit()
            self._demote_overflow()

    def _set_window(self, fraction: float) -> None:
        self._window_cap = int(self.max_bytes * fraction)
        self._protected_cap = int((self.max_bytes - self._window_cap) * self._protected_fraction)

    def _fit(self) -> None:
        """Bring the window, then the whole cache, within bounds."""
        while self._window.bytes > self._window_cap:
            candidate = self._window.oldest()
            assert candidate is not None  # bytes > 0 means a slot is there
            self._admit(candidate, self._window.remove(candidate))
        while self._bytes > self.max_bytes:
            # The window is within its share, so the main space is over its own: it gives way, oldest first.
            victim = self._main_victim() or self._window.oldest()
            assert victim is not None
            self._evict(victim)

    def _admit(self, candidate: SlotKey, slot: _Slot) -> None:
        while self._bytes > self.max_bytes:
            victim = self._main_victim()
            if victim is None or not self._prefers(candidate, victim):
                self._evict(candidate)
                return
            self._evict(victim)
        self._probation.add(candidate, slot)

    def _prefers(self, candidate: SlotKey, victim: SlotKey) -> bool:
        if self._is_expired(self._index[victim]):
            return True
        return self._sketch.frequency(candidate) >= self._sketch.frequency(victim)

    def _main_victim(self) -> SlotKey | None:
        return self._probation.oldest() or self._protected.oldest()

    def _evict(self, slot_key: SlotKey) -> None:
        self._discard(slot_key)
        self._evictions += 1

    def _discard(self, slot_key: SlotKey) -> None:
        slot = self._index.pop(slot_key)
        if slot.segment is not None:
            slot.segment.remove(slot_key)
        self._bytes -= slot.charge
