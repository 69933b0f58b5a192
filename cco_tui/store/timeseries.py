"""Hourly sums folded into chart buckets: UTC hours, or local calendar days (DST-aware), gaps as zeros."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Literal

from cco_tui.store.rollup import Measures, add_measures, empty_measures

MAX_BUCKETS = 10_000  # beyond this, a chart shows only the buckets that have data
_HOUR = 3600


def fold_buckets(
    hourly: Mapping[int, Measures], size: Literal["hour", "day"], since: float | None, until: float | None
) -> list[tuple[float, Measures]]:
    start_of = hour_start if size == "hour" else local_midnight
    folded: dict[float, Measures] = {}
    for hour, measures in hourly.items():
        add_measures(folded.setdefault(start_of(hour), empty_measures()), measures)
    starts = _bucket_starts(folded, size, since, until) or sorted(folded)
    return [(start, folded.get(start) or empty_measures()) for start in starts]


def hour_start(ts: float) -> float:
    return float(int(ts) // _HOUR * _HOUR)


@functools.lru_cache(maxsize=65_536)
def local_midnight(ts: float) -> float:
    return datetime.fromtimestamp(ts).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _bucket_starts(
    folded: Mapping[float, Measures], size: str, since: float | None, until: float | None
) -> list[float]:
    """Every bucket start from the range's first to its last; [] when the range is unknown or too long."""
    start_of: Callable[[float], float] = hour_start if size == "hour" else local_midnight
    first = start_of(since) if since is not None else min(folded, default=None)
    open_end = time.time() if since is not None else max(folded, default=None)
    last = start_of(until - 0.001) if until is not None else open_end
    if first is None or last is None:
        return []
    last = start_of(max(last, *folded)) if folded else start_of(last)
    return _hours(first, last) if size == "hour" else _days(first, last)


def _hours(first: float, last: float) -> list[float]:
    count = int((last - first) // _HOUR) + 1
    return [first + i * _HOUR for i in range(count)] if 0 < count <= MAX_BUCKETS else []


def _days(first: float, last: float) -> list[float]:
    start, end = date.fromtimestamp(first), date.fromtimestamp(last)
    count = (end - start).days + 1
    if not 0 < count <= MAX_BUCKETS:
        return []
    return [datetime.combine(start + timedelta(days=i), datetime.min.time()).timestamp() for i in range(count)]
