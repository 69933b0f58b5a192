"""What governance adds to a request, in one run: cco with no rules vs cco with rate limits and budgets that
apply to every request (and never refuse), both recording, interleaved in rounds so machine drift hits both.
Also the govern step alone, in process (admit + settle), where microseconds can be seen through the noise.

Run: `.venv/bin/python -m bench.governance_bench [--count N] [--rounds R]`. Caching is off so every request
goes upstream (a cache hit skips the step). Target: added p50 < 0.05 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import Result, cco_headless, fake_upstream, run_sequential
from cco_tui.config.limits import BudgetRule, LimitRule
from cco_tui.config.settings import load_config
from cco_tui.governance.counters import LocalCounters
from cco_tui.governance.governor import Governor
from cco_tui.governance.rules import RuleBook, Subject

LIMITS = [
    {"name": "all-claude", "model": "claude-*", "rpm": 10**9, "tpm": 10**12, "concurrent": 10_000},
    {"name": "per-project", "per": "project", "rpm": 10**9},
]
BUDGETS = [
    {"name": "monthly", "usd": 10**9, "period": "month"},
    {"name": "per-project-daily", "per": "project", "usd": 10**9, "period": "day"},
]
CASES = [
    ("small JSON", small_body()),
    ("75KB JSON", claude_code_body()),
    ("75KB stream", claude_code_body(stream=True)),
]


def end_to_end(count: int, rounds: int) -> None:
    base = {"cache": {"enabled": False}}
    with (
        fake_upstream() as upstream,
        cco_headless(upstream, base) as plain,
        cco_headless(upstream, {**base, "limits": LIMITS, "budgets": BUDGETS}) as governed,
    ):
        for name, payload in CASES:
            body = orjson.dumps(payload)
            label = f"{name} ({len(body)} B)"
            without: list[float] = []
            with_rules: list[float] = []
            for _ in range(rounds):  # alternate, so drift on a shared machine lands on both
                without += run_sequential(label, plain.url, body, count // rounds, warmup=5).latencies_ms
                with_rules += run_sequential(label, governed.url, body, count // rounds, warmup=5).latencies_ms
            a, b = Result(f"{label} no rules", without, 1), Result(f"{label} limits+budgets", with_rules, 1)
            print(f"{a.label:<50} p50 {a.p50:7.3f} ms   p99 {a.p99:7.3f} ms")
            print(f"{b.label:<50} p50 {b.p50:7.3f} ms   p99 {b.p99:7.3f} ms")
            print(f"{'':<10}added p50 {b.p50 - a.p50:+7.3f} ms   added p99 {b.p99 - a.p99:+7.3f} ms")


def step_alone(count: int) -> None:
    limits = tuple(LimitRule(**rule) for rule in LIMITS)  # type: ignore[arg-type]
    budgets = tuple(BudgetRule(**rule) for rule in BUDGETS)  # type: ignore[arg-type]
    governor = Governor(RuleBook(limits, budgets), LocalCounters(), load_config(None).pricing, lambda *_: 0.0)
    subject = Subject("claude-sonnet-4-6", "web")

    async def loop() -> list[float]:
        timings = []
        for _ in range(count):
            t0 = time.perf_counter()
            ticket = await governor.admit(subject, None, 20_000, 32_000)
            assert ticket is not None
            ticket.close(20_500, 0.1)
            timings.append((time.perf_counter() - t0) * 1e6)
        return timings

    timings = asyncio.run(loop())
    print(f"govern step alone (2 limits, 2 budgets): median {statistics.median(timings):.1f} µs per request")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    step_alone(20_000)
    end_to_end(args.count, args.rounds)


if __name__ == "__main__":
    main()
