"""The counters behind rate limits and budgets: one small interface, an in-process implementation.

`admit` and `reserve` are coroutines so that a shared implementation (Redis, running each check-and-increment as
one atomic script) can stand in without changing callers. This one does its check and its increment with no
`await` in between, so on one event loop concurrent requests can never both take the last unit. `adjust`,
`settle` and `release` only give back or correct; they are plain calls (a remote implementation sends them
without waiting for the answer).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Window:
    """The state of a rate window after an admission attempt."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window starts over

    def retry_after(self, now: float | None = None) -> int:
        """Integer seconds, at least 1: what clients expect in `retry-after`."""
        return max(1, math.ceil(self.reset_at - (time.time() if now is None else now)))


class Unavailable(Exception):
    """A shared implementation cannot count right now and is configured to refuse rather than guess."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    key: str
    amount: float


class Counters(Protocol):
    async def admit(self, key: str, limit: int, window_s: float, amount: int = 1) -> Window:
        """Add `amount` to the window's count if the result stays within `limit`; either way say where it is."""

    def adjust(self, key: str, delta: int) -> None:
        """Correct an admitted amount once the real one is known (an estimate settled on real usage)."""

    async def reserve(self, key: str, amount: float, limit: float, spent: float) -> Reservation | None:
        """Hold `amount` if spent + what is held + settled since + `amount` fits in `limit`; None if not."""

    def settle(self, reservation: Reservation, real: float) -> None:
        """The reserved work finished and cost `real`: the hold becomes that spend."""

    def release(self, reservation: Reservation) -> None:
        """The reserved work cost nothing (or never ran): drop the hold."""

    def usage(self, key: str) -> tuple[float, float]:
        """(held by reservations, settled since the spend was read) of a reservation key."""

    def window(self, key: str) -> tuple[int, float] | None:
        """(count, reset_at) of a live rate window, None if it has none."""


class LocalCounters:
    """Counters for one process. Windows are fixed: they start with their first admission and last `window_s`
    (the same shape a Redis `SET NX EX` + `INCRBY` gives, so both implementations agree)."""

    def __init__(self) -> None:
        self._windows: dict[str, list[float]] = {}  # key -> [count, reset_at]
        self._held: dict[str, float] = {}
        self._settled: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._open: dict[int, Reservation] = {}

    async def admit(self, key: str, limit: int, window_s: float, amount: int = 1) -> Window:
        now = time.time()
        state = self._windows.get(key)
        if state is None or state[1] <= now:
            state = self._windows[key] = [0.0, now + window_s]
        if state[0] + amount > limit and state[0] > 0:
            return Window(False, limit, max(0, limit - int(state[0])), state[1])
        state[0] += amount  # a first request larger than the whole limit still runs, alone: it could never fit
        return Window(True, limit, max(0, limit - int(state[0])), state[1])

    def adjust(self, key: str, delta: int) -> None:
        state = self._windows.get(key)
        if state is not None and state[1] > time.time():
            state[0] = max(0.0, state[0] + delta)

    async def reserve(self, key: str, amount: float, limit: float, spent: float) -> Reservation | None:
        held = self._held.get(key, 0.0)
        if spent + self._settled.get(key, 0.0) + held + amount > limit:
            return None
        self._held[key] = held + amount
        reservation = Reservation(next(self._ids), key, amount)
        self._open[reservation.id] = reservation
        return reservation

    def settle(self, reservation: Reservation, real: float) -> None:
        if self._open.pop(reservation.id, None) is None:
            return  # settled or released already: never twice
        self._held[reservation.key] = max(0.0, self._held.get(reservation.key, 0.0) - reservation.amount)
        if real:
            self._settled[reservation.key] = self._settled.get(reservation.key, 0.0) + real

    def release(self, reservation: Reservation) -> None:
        self.settle(reservation, 0.0)

    def usage(self, key: str) -> tuple[float, float]:
        return self._held.get(key, 0.0), self._settled.get(key, 0.0)

    def window(self, key: str) -> tuple[int, float] | None:
        state = self._windows.get(key)
        if state is None or state[1] <= time.time():
            return None
        return int(state[0]), state[1]
