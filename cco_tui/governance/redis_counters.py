"""The governance counters in a Redis that every replica shares: each check-and-take is one Lua script, so
`rpm: 20` admits exactly 20 however the requests are spread over replicas.

Rate windows are fixed, like LocalCounters': a key that starts with its first admission and expires after the
window. A budget is one hash per counter and period: `base` (the spend recorded before the first replica
reserved against it: later replicas read more from the store, but that extra is already in `settled`),
`settled` (real costs since), `held` (open reservations) and one field per reservation; a sorted set gives each
reservation an expiry, so a replica that dies holding some does not block the budget for ever.

While Redis is down: "open" counts in this process (LocalCounters), "closed" raises Unavailable. Calls that
only give back (adjust, settle, release) are sent without waiting, as the interface allows.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from cco_tui.config.settings import RedisDown
from cco_tui.governance.counters import LocalCounters, Reservation, Unavailable, Window
from cco_tui.redislink.link import FAILURES, RedisLink

PREFIX = "cco:gov:"
HOLD_SECONDS = 900  # a reservation left by a replica that died expires after this (longer than any request)
BUDGET_KEY_SECONDS = 35 * 86400  # outlives the longest period (a month); the key names its period's start
CONCURRENT_KEY_SECONDS = 3600

ADMIT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[3])
if count > 0 and count + amount > tonumber(ARGV[1]) then
  return {0, count, redis.call('PTTL', KEYS[1])}
end
count = redis.call('INCRBY', KEYS[1], amount)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {1, count, ttl}
"""

ADJUST = """
local count = redis.call('GET', KEYS[1])
if not count then return 0 end
local value = math.max(0, tonumber(count) + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], value, 'KEEPTTL')
return value
"""

_STATE = """
local function state()
  local held = math.max(0, tonumber(redis.call('HGET', KEYS[1], 'held') or '0'))
  local settled = tonumber(redis.call('HGET', KEYS[1], 'settled') or '0')
  return held, settled, tonumber(redis.call('HGET', KEYS[1], 'base') or '0')
end
local function drop(member)
  local amount = redis.call('HGET', KEYS[1], 'r:' .. member)
  redis.call('ZREM', KEYS[2], member)
  if amount then
    redis.call('HDEL', KEYS[1], 'r:' .. member)
    redis.call('HINCRBYFLOAT', KEYS[1], 'held', -tonumber(amount))
  end
end
"""

RESERVE = (
    _STATE
    + """
local now = tonumber(redis.call('TIME')[1])
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do drop(member) end
redis.call('HSETNX', KEYS[1], 'base', ARGV[3])
local held, settled, base = state()
local amount = tonumber(ARGV[1])
if base + settled + held + amount > tonumber(ARGV[2]) then
  return {0, tostring(held), tostring(settled), tostring(base)}
end
redis.call('HINCRBYFLOAT', KEYS[1], 'held', amount)
redis.call('HSET', KEYS[1], 'r:' .. ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, tostring(held + amount), tostring(settled), tostring(base)}
"""
)

SETTLE = (
    _STATE
    + """
drop(ARGV[1])
if tonumber(ARGV[2]) ~= 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'settled', ARGV[2]) end
local held, settled, base = state()
return {tostring(held), tostring(settled), tostring(base)}
"""
)


def limits_policy(key: str) -> bool:
    """Concurrency holds are limits; every other reservation is a budget's."""
    return key.endswith(":concurrent")


class RedisCounters:
    def __init__(self, link: RedisLink, on_down: RedisDown) -> None:
        self.link = link
        self.on_down = on_down
        self.local = LocalCounters()
        self.replica = uuid.uuid4().hex[:12]
        self._ids = itertools.count(1 << 48)  # above LocalCounters' ids: the two kinds never collide
        self._remote: dict[int, Reservation] = {}
        self._spent: dict[str, float] = {}  # the spend each budget counter's caller last passed
        self._usage: dict[str, tuple[float, float]] = {}  # last seen (held, settled relative to that spend)
        self._windows: dict[str, tuple[int, float]] = {}
        self._sending: set[asyncio.Task[Any]] = set()
        client = link.client
        self._admit, self._adjust = client.register_script(ADMIT), client.register_script(ADJUST)
        self._reserve, self._settle = client.register_script(RESERVE), client.register_script(SETTLE)

    # --- rate windows -----------------------------------------------------------------------------------------

    async def admit(self, key: str, limit: int, window_s: float, amount: int = 1) -> Window:
        if self.link.up:
            try:
                allowed, count, ttl_ms = await self._admit(
                    keys=[PREFIX + key], args=[limit, int(window_s * 1000), amount]
                )
            except FAILURES as error:
                self.link.failed(error)
            else:
                reset_at = time.time() + int(ttl_ms) / 1000
                self._windows[key] = (int(count), reset_at)
                return Window(bool(allowed), limit, max(0, limit - int(count)), reset_at)
        self._closed_check(self.on_down.limits, key)
        return await self.local.admit(key, limit, window_s, amount)

    def adjust(self, key: str, delta: int) -> None:
        if not delta:
            return
        if self.link.up:
            self._send(self._adjust(keys=[PREFIX + key], args=[delta]))
        else:
            self.local.adjust(key, delta)

    def window(self, key: str) -> tuple[int, float] | None:
        remote = self._windows.get(key)
        if remote is not None and remote[1] > time.time():
            return remote
        return self.local.window(key)

    # --- reservations -----------------------------------------------------------------------------------------

    async def reserve(self, key: str, amount: float, limit: float, spent: float) -> Reservation | None:
        if self.link.up:
            reservation = Reservation(next(self._ids), key, amount)
            ttl = CONCURRENT_KEY_SECONDS if limits_policy(key) else BUDGET_KEY_SECONDS
            args: list[str | int] = [
                repr(amount),
                repr(limit),
                repr(spent),
                self._member(reservation),
                HOLD_SECONDS,
                ttl,
            ]
            try:
                reply = await self._reserve(keys=self._keys(key), args=args)
            except FAILURES as error:
                self.link.failed(error)
            else:
                self._spent[key] = spent
                self._remember(key, reply[1:])
                if not int(reply[0]):
                    return None
                self._remote[reservation.id] = reservation
                return reservation
        self._closed_check(self.on_down.limits if limits_policy(key) else self.on_down.budgets, key)
        return await self.local.reserve(key, amount, limit, spent)

    def settle(self, reservation: Reservation, real: float) -> None:
        if self._remote.pop(reservation.id, None) is None:
            self.local.settle(reservation, real)  # made while Redis was down (or settled already: a no-op)
            return
        self._send(self._settle_remote(reservation, real))

    def release(self, reservation: Reservation) -> None:
        self.settle(reservation, 0.0)

    def usage(self, key: str) -> tuple[float, float]:
        remote = self._usage.get(key, (0.0, 0.0))
        local = self.local.usage(key)
        return remote[0] + local[0], remote[1] + local[1]

    async def _settle_remote(self, reservation: Reservation, real: float) -> None:
        reply = await self._settle(keys=self._keys(reservation.key), args=[self._member(reservation), repr(real)])
        self._remember(reservation.key, reply)

    def _remember(self, key: str, reply: list[Any]) -> None:
        held, settled, base = (float(value) for value in reply)
        # callers add their own `spent` to `settled`: give them what makes the sum Redis's base + settled
        self._usage[key] = (held, base + settled - self._spent.get(key, base))

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _member(self, reservation: Reservation) -> str:
        return f"{self.replica}:{reservation.id}"

    @staticmethod
    def _keys(key: str) -> list[str]:
        return [f"{PREFIX}{{{key}}}", f"{PREFIX}{{{key}}}:holds"]  # one hash slot for both (Redis Cluster)

    def _closed_check(self, mode: str, key: str) -> None:
        if mode == "closed":
            raise Unavailable(key)

    def _send(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[Any]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and isinstance(task.exception(), FAILURES):
            self.link.failed(task.exception() or RuntimeError())

    async def drain(self) -> None:
        """Wait for what is still being sent (shutdown, tests)."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=5)
