"""Times typed by people: `7d`, `24h`, `90m`, `2w`, `today`, ISO 8601 dates/times, or epoch seconds."""

from __future__ import annotations

import re
import time
from datetime import datetime

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_EPOCH = re.compile(r"^\d+(?:\.\d+)?$")
HELP = "7d, 24h, 30m, 2w, today, an ISO date or time (local unless it has an offset), or epoch seconds"
# Times outside 1970..9999 cannot be stored, compared or shown (datetime and SQLite both overflow beyond them).
LATEST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z


def parse_time(text: str, now: float | None = None) -> float:
    """Epoch seconds for `text`; relative forms count back from `now`. ValueError when unreadable or out of range."""
    value = _parse(text, now)
    if not 0 <= value <= LATEST_EPOCH:
        raise ValueError(f"{text!r} is out of range: times must fall between 1970 and 9999")
    return value


def _parse(text: str, now: float | None) -> float:
    spec = text.strip()
    now = time.time() if now is None else now
    relative = _RELATIVE.match(spec)
    if relative:
        return now - float(relative.group(1)) * _UNIT_SECONDS[relative.group(2).lower()]
    if spec.lower() == "today":
        return datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    if _EPOCH.match(spec):
        return float(spec)
    try:
        return datetime.fromisoformat(spec).timestamp()  # naive → local time
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"cannot read {text!r} as a time: use {HELP}") from None
