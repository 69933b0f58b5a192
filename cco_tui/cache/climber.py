"""Hill climbing on the window share: recency-heavy traffic grows the LRU window, skewed traffic shrinks it.

Every `sample_size` lookups the hit rate is compared with the previous sample's. If it did not get worse
the window keeps moving the same way, otherwise it turns round; steps shrink as the rate settles and
restart at full size when the rate jumps (the workload changed). The idea and constants follow Caffeine's
adaptive W-TinyLFU.
"""

from __future__ import annotations

import math

STEP = 0.0625  # of the whole cache
STEP_DECAY = 0.98
RESTART_THRESHOLD = 0.05  # a hit-rate change this large restarts full-size steps
MIN_FRACTION = 0.01
MAX_FRACTION = 1.0  # a window of the whole cache is plain LRU


class HillClimber:
    """Learns the fraction of the cache's bytes given to the recency window."""

    __slots__ = ("_hits", "_previous_rate", "_sample_size", "_samples", "_step", "fraction")

    def __init__(self, sample_size: int, fraction: float = MIN_FRACTION) -> None:
        self.fraction = fraction
        self._sample_size = sample_size
        self._step = STEP
        self._hits = 0
        self._samples = 0
        self._previous_rate: float | None = None

    def record(self, hit: bool) -> bool:
        """Count one lookup; True when the fraction has just changed."""
        self._hits += hit
        self._samples += 1
        if self._samples < self._sample_size:
            return False
        self._climb(self._hits / self._samples)
        self._hits = self._samples = 0
        return True

    def _climb(self, rate: float) -> None:
        change = 0.0 if self._previous_rate is None else rate - self._previous_rate
        amount = self._step if change >= 0 else -self._step
        restart = abs(change) >= RESTART_THRESHOLD
        self._step = math.copysign(STEP, amount) if restart else amount * STEP_DECAY
        self.fraction = min(max(self.fraction + amount, MIN_FRACTION), MAX_FRACTION)
        self._previous_rate = rate
