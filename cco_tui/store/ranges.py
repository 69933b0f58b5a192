"""Split a time range into pieces each answered by the coarsest stored level that fits exactly.

[since, until) becomes raw rows up to the first whole hour, hour rollups up to the first whole day, day
rollups up to the first whole week, week rollups in the middle, and the same in reverse at the end. Whole
periods never cross a range boundary, so the sum of the pieces is exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cco_tui.store.rollup import SUM_LEVELS, Level


@dataclass(frozen=True, slots=True)
class Segment:
    level: Level
    lo: float | None  # inclusive; None = unbounded
    hi: float | None  # exclusive; None = unbounded


def cover(since: float | None, until: float | None, levels: Sequence[Level] = SUM_LEVELS) -> list[Segment]:
    """Segments covering [since, until) exactly; `levels` go from coarsest to raw."""
    level, finer = levels[0], levels[1:]
    if level.seconds == 0:
        empty = since is not None and until is not None and since >= until
        return [] if empty else [Segment(level, since, until)]
    start = None if since is None else math.ceil(since / level.seconds) * level.seconds
    end = None if until is None else math.floor(until / level.seconds) * level.seconds
    if start is not None and end is not None and start >= end:
        return cover(since, until, finer)
    left = cover(since, start, finer) if since is not None else []
    right = cover(end, until, finer) if until is not None else []
    return [*left, Segment(level, start, end), *right]
