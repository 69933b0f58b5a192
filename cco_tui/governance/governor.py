"""Admission of one request against every rate limit and budget that applies to it.

Rate limits: requests per minute and tokens per minute (admitted on an estimate, corrected to the real usage
when the answer is complete) and concurrent requests. Budgets: the spend recorded before this process started
(read once per period, off the event loop) + what this process settled since + what requests in flight hold +
this request's worst case must fit, so concurrent requests can never overshoot. A refusal rolls back what the
request had already taken from other rules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.usage import Usage
from cco_tui.governance.counters import Counters, Reservation, Unavailable, Window
from cco_tui.governance.periods import iso, period_bounds
from cco_tui.governance.rules import BudgetCheck, KeyQuota, RateCheck, RuleBook, SpendFilter, Subject

log = logging.getLogger("cco.governance")
MINUTE = 60.0
WARN_AT = (0.8, 0.95)
SpendReader = Callable[[SpendFilter, float, float], float]  # blocking: USD recorded in [start, until)
Headers = list[tuple[bytes, bytes]]


class Refused(Exception):
    """A request a rule does not admit: status, Anthropic error type, message naming the rule, headers."""

    def __init__(self, status: int, error_type: str, message: str, rule: str, headers: Headers) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message, self.rule, self.headers = status, error_type, message, rule, headers


@dataclass(slots=True)
class BudgetHold:
    check: BudgetCheck
    reservation: Reservation
    spent: float  # recorded before this process started
    end: float


@dataclass(slots=True)
class Ticket:
    """What an admitted request took; `close` gives back or settles it, exactly once."""

    governor: Governor
    estimate: int
    rpm_counters: list[str] = field(default_factory=list)
    tpm_counters: list[str] = field(default_factory=list)
    holds: list[Reservation] = field(default_factory=list)
    budgets: list[BudgetHold] = field(default_factory=list)
    closed: bool = False

    @property
    def remaining_usd(self) -> float | None:
        if not self.budgets:
            return None
        return min(self.governor.remaining(hold) for hold in self.budgets)

    def close(self, tokens: int = 0, cost: float = 0.0) -> None:
        """The request ran: its real token count and cost replace the estimates."""
        if not self.closed:
            self.closed = True
            self.governor.give_back(self, tokens, cost)

    def undo(self) -> None:
        """The request was refused after all: nothing it took counts."""
        if not self.closed:
            self.closed = True
            for counter in self.rpm_counters:
                self.governor.counters.adjust(counter, -1)
            self.governor.give_back(self, 0, 0.0)


class Governor:
    def __init__(self, book: RuleBook, counters: Counters, pricing: PricingTable, read_spend: SpendReader) -> None:
        self.book, self.counters, self.pricing, self.read_spend = book, counters, pricing, read_spend
        self.boot = time.time()  # every request this process records starts after this
        self._spent: dict[str, float] = {}
        self._reading: dict[str, asyncio.Task[float]] = {}
        self._warned: set[tuple[str, float]] = set()
        self.refusals: Counter[str] = Counter()
        self.rate_counters: dict[str, RateCheck] = {}  # seen so far, for /api/limits
        self.budget_counters: dict[str, tuple[BudgetCheck, float, float]] = {}

    async def admit(self, subject: Subject, quota: KeyQuota | None, tokens: int, max_tokens: int) -> Ticket | None:
        """None when no rule applies; raises Refused when one does not admit the request."""
        rates, budgets = self.book.checks_for(subject, quota)
        if not rates and not budgets:
            return None
        now = time.time()
        spent = [await self.spent_before_boot(check, now) for check in budgets]  # the only real wait: first read
        ticket = Ticket(self, tokens)
        try:
            await self._take_rates(ticket, rates, tokens)
            worst = self.worst_cost(subject.model, tokens, max_tokens)
            for check, before in zip(budgets, spent, strict=True):
                await self._take_budget(ticket, check, before, worst, now)
        except Unavailable as down:
            ticket.undo()
            self.refusals["redis"] += 1
            raise unavailable(down) from None
        except Refused as refusal:
            ticket.undo()
            self.refusals[refusal.rule] += 1
            raise
        return ticket

    # --- rates ------------------------------------------------------------------------------------------------

    async def _take_rates(self, ticket: Ticket, checks: tuple[RateCheck, ...], tokens: int) -> None:
        for check in checks:
            self.rate_counters.setdefault(check.counter, check)
            if check.rpm:
                window = await self.counters.admit(check.counter + ":rpm", check.rpm, MINUTE, 1)
                self._refuse_if_full(check, window, "requests")
                ticket.rpm_counters.append(check.counter + ":rpm")
            if check.tpm:
                window = await self.counters.admit(check.counter + ":tpm", check.tpm, MINUTE, tokens)
                self._refuse_if_full(check, window, "tokens")
                ticket.tpm_counters.append(check.counter + ":tpm")
            if check.concurrent:
                held = await self.counters.reserve(check.counter + ":concurrent", 1, check.concurrent, 0)
                if held is None:
                    raise Refused(429, "rate_limit_error", concurrency_message(check), check.rule, retry_headers(1))
                ticket.holds.append(held)

    def _refuse_if_full(self, check: RateCheck, window: Window, unit: str) -> None:
        if window.allowed:
            return
        wait = window.retry_after()
        message = f"cco rate limit '{check.rule}' reached: {window.limit} {unit} per minute; retry in {wait} s"
        raise Refused(429, "rate_limit_error", message, check.rule, rate_headers(window, unit, wait))

    # --- budgets ----------------------------------------------------------------------------------------------

    async def spent_before_boot(self, check: BudgetCheck, now: float) -> float:
        start, _ = period_bounds(check.period, now)
        key = f"{check.counter}:{int(start)}"
        if key in self._spent:
            return self._spent[key]
        if start >= self.boot:
            return 0.0
        task = self._reading.get(key)
        if task is None:  # one read per counter and period, however many requests wait for it
            task = self._reading[key] = asyncio.ensure_future(
                asyncio.to_thread(self.read_spend, check.spend, start, self.boot)
            )
        value = await asyncio.shield(task)
        self._spent[key] = value
        self._reading.pop(key, None)
        return value

    async def _take_budget(
        self, ticket: Ticket, check: BudgetCheck, spent: float, worst: float | None, now: float
    ) -> None:
        start, end = period_bounds(check.period, now)
        if worst is None:  # an unpriced model is not free: admitting it would let the budget be overshot
            message = f"cco budget '{check.rule}' cannot bound a model without a price; add it to model-pricing.json"
            raise Refused(402, "billing_error", message, check.rule, [(b"x-should-retry", b"false")])
        key = f"{check.counter}:{int(start)}"
        self.budget_counters[key] = (check, start, end)
        reservation = await self.counters.reserve(key, worst, check.usd, spent)
        if reservation is None:
            held, settled = self.counters.usage(key)
            message = (
                f"cco budget '{check.rule}' reached: ${spent + settled + held:.4f} of ${check.usd:.2f} per "
                f"{check.period} spent or reserved; it resets at {iso(end)}"
            )
            raise Refused(402, "billing_error", message, check.rule, [(b"x-should-retry", b"false")])
        ticket.budgets.append(BudgetHold(check, reservation, spent, end))

    def spent_so_far(self, key: str) -> float:
        """What was recorded before this process started, for a budget counter (0 until first read)."""
        return self._spent.get(key, 0.0)

    def remaining(self, hold: BudgetHold) -> float:
        held, settled = self.counters.usage(hold.reservation.key)
        return max(0.0, hold.check.usd - hold.spent - settled - held)

    def worst_cost(self, model: str, tokens: int, max_tokens: int) -> float | None:
        """Input at the dearest input rate (a cache write may cost more than plain input), all of `max_tokens`
        at the output rate; None when the model has no price."""
        price = self.pricing.lookup(model)
        if price is None:
            return None
        rates = price.rates_for(Usage(input=tokens))
        dearest = max(rates.input, rates.cache_write_5m, rates.cache_write_1h)
        return (tokens * dearest + max_tokens * rates.output) / 1_000_000

    def cost(self, model: str, usage: Usage) -> float:
        price = self.pricing.lookup(model)
        return price.cost(usage) if price is not None else 0.0

    # --- giving back ------------------------------------------------------------------------------------------

    def give_back(self, ticket: Ticket, tokens: int, cost: float) -> None:
        for counter in ticket.tpm_counters:
            self.counters.adjust(counter, tokens - ticket.estimate)
        for held in ticket.holds:
            self.counters.release(held)
        for hold in ticket.budgets:
            self.counters.settle(hold.reservation, cost)
            self._warn(hold)

    def _warn(self, hold: BudgetHold) -> None:
        used = hold.check.usd - self.remaining(hold)
        for level in WARN_AT:
            mark = (hold.reservation.key, level)
            if hold.check.usd and used >= level * hold.check.usd and mark not in self._warned:
                self._warned.add(mark)
                log.warning(
                    "budget '%s' is at %d%% of $%.2f per %s",
                    hold.check.rule,
                    level * 100,
                    hold.check.usd,
                    hold.check.period,
                )


def unavailable(down: Unavailable) -> Refused:
    """on_redis_down "closed": Redis cannot count, so the rule is not guessed; clients may retry."""
    what = "limit" if down.key.endswith(":concurrent") or down.key.startswith(("limit:", "key:")) else "budget"
    message = f"cco cannot check this request's {what} while Redis is unreachable (on_redis_down: closed)"
    return Refused(503, "api_error", message, "redis", retry_headers(1))


def concurrency_message(check: RateCheck) -> str:
    return f"cco rate limit '{check.rule}' reached: {check.concurrent} concurrent requests; retry in 1 s"


def retry_headers(seconds: int) -> Headers:
    return [(b"retry-after", str(seconds).encode())]


def rate_headers(window: Window, unit: str, wait: int) -> Headers:
    prefix = b"anthropic-ratelimit-" + unit.encode()
    return [
        *retry_headers(wait),
        (prefix + b"-limit", str(window.limit).encode()),
        (prefix + b"-remaining", str(window.remaining).encode()),
        (prefix + b"-reset", iso(window.reset_at).encode()),
    ]
