"""A count-min sketch of recent access frequency, the memory behind TinyLFU admission.

Four 4-bit-range counters per key (stored one per byte, saturating at 15) in a power-of-two table;
every `sample_size` increments all counters are halved, so the sketch forgets old popularity.
"""

from __future__ import annotations

from collections.abc import Hashable

_MAX_COUNT = 15
_ROWS = 4  # _slots picks one counter in each
_HALVE = bytes(count >> 1 for count in range(256))  # translate table: halve every counter at once


class FrequencySketch:
    """Approximate, ageing access counts for any hashable key, in `4 * width` bytes."""

    __slots__ = ("_additions", "_counters", "_mask", "sample_size")

    def __init__(self, expected_keys: int) -> None:
        width = 1 << max(10, (max(expected_keys, 1) - 1).bit_length())
        self._mask = width - 1
        self._counters = bytearray(_ROWS * width)
        self._additions = 0
        self.sample_size = 10 * width

    def _slots(self, key: Hashable) -> tuple[int, int, int, int]:
        """One counter per row, picked by double hashing (low + row * high) of the key's mixed hash."""
        mixed = hash(key) * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF
        low, high, mask = mixed & 0xFFFFFFFF, mixed >> 32 | 1, self._mask
        width = mask + 1
        return (
            low & mask,
            width + ((low + high) & mask),
            2 * width + ((low + 2 * high) & mask),
            3 * width + ((low + 3 * high) & mask),
        )

    def frequency(self, key: Hashable) -> int:
        counters = self._counters
        a, b, c, d = self._slots(key)
        return min(counters[a], counters[b], counters[c], counters[d])

    def increment(self, key: Hashable) -> None:
        counters = self._counters
        for slot in self._slots(key):
            if counters[slot] < _MAX_COUNT:
                counters[slot] += 1
        self._additions += 1
        if self._additions >= self.sample_size:
            self._age()

    def _age(self) -> None:
        self._counters = bytearray(self._counters.translate(_HALVE))
        self._additions //= 2
