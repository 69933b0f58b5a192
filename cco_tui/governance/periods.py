"""Budget periods in UTC: when the current one started and when it starts over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_current: dict[str, tuple[float, float]] = {}


def period_bounds(period: str, now: float) -> tuple[float, float]:
    """(start, end) epoch seconds of the `day`, `week` (from Monday) or `month` holding `now`. Remembered per
    period while it lasts: calendar arithmetic costs more than the rest of an admission."""
    known = _current.get(period)
    if known is not None and known[0] <= now < known[1]:
        return known
    bounds = _compute(period, now)
    _current[period] = bounds
    return bounds


def _compute(period: str, now: float) -> tuple[float, float]:
    moment = datetime.fromtimestamp(now, UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        start, end = day, day + timedelta(days=1)
    elif period == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    else:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    return start.timestamp(), end.timestamp()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
