"""Soak: many mixed requests at a fixed concurrency through a headless cco in front of the fast fake upstream.

The mix cycles through stream / JSON, small / ~75 KB (Claude-Code-shaped) bodies, and cache misses (a unique
nonce in every body) / hits (one of a few repeated bodies). Prints errors by kind, latency p50/p99, req/s, the
cache statuses cco reported, rows in cco's database against requests answered (counted after a SIGTERM, which
flushes the writer), and cco's RSS before and after. Bounded: `--count` requests or `--max-seconds`, whichever
comes first. The client is Python (httpx): this measures holding up, not latency; bench/concurrency.py does that.

Run: `.venv/bin/python -m bench.soak [--count 5000] [--concurrency 64] [--max-seconds 300]`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sqlite3
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.bodies import claude_code_body, small_body
from bench.concurrency import cpu_seconds
from bench.harness import HEADERS, Running, process, write_config
from tests.fakes.process import free_port, headless_cco

HIT_BODIES = 4  # distinct bodies per (stream, size) that are repeated: after their first miss, hits


@functools.cache
def base_body(stream: bool, big: bool) -> dict[str, Any]:
    return claude_code_body(stream=stream) if big else small_body(stream=stream)


def body_for(index: int) -> bytes:
    stream, big, hit = index % 2 == 1, index % 4 >= 2, index % 8 >= 4
    payload = dict(base_body(stream, big))
    tag = f"repeat {index % HIT_BODIES}" if hit else f"nonce {index}"
    payload["messages"] = [
        *payload["messages"],
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": tag},
    ]
    return orjson.dumps(payload)


def kind_of(index: int, cache: str) -> str:
    return f"{'stream' if index % 2 else 'JSON'} {'75KB' if index % 4 >= 2 else 'small'} {cache}"


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies) or [0.0]
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    cache: Counter[str] = field(default_factory=Counter)
    answered: int = 0


async def one(client: httpx.AsyncClient, index: int, tally: Tally) -> None:
    body = body_for(index)
    started = time.perf_counter()
    try:
        async with client.stream("POST", "/v1/messages", content=body) as response:
            data = await response.aread()
    except httpx.HTTPError as exc:
        tally.errors[type(exc).__name__] += 1
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    tally.latencies_ms.append(elapsed_ms)
    tally.by_kind.setdefault(kind_of(index, response.headers.get("x-cco-cache", "none")), []).append(elapsed_ms)
    tally.answered += 1
    tally.cache[response.headers.get("x-cco-cache", "none")] += 1
    if response.status_code != 200:
        tally.errors[f"http {response.status_code}"] += 1
    elif b'"stream":true' in body and b"message_stop" not in data:
        tally.errors["stream without message_stop"] += 1


async def drive(url: str, count: int, concurrency: int, max_seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    indices = iter(range(count))
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        # A client per worker, one connection each: httpx's shared pool scans all its connections per request,
        # which at 64 would make the client, not cco, the bottleneck.
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as client:
            for index in indices:
                if time.monotonic() > deadline:
                    return
                await one(client, index, tally)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally, time.perf_counter() - started


def rows_in(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("select count(*) from request").fetchone()[0])


def report(tally: Tally, wall_s: float, rows: int, rss: tuple[float, float], cpu: tuple[float, float]) -> None:
    p50, p99 = percentiles(tally.latencies_ms)
    print(
        f"answered {tally.answered} in {wall_s:.1f} s = {tally.answered / wall_s:.0f} req/s   "
        f"p50 {p50:.1f} ms   p99 {p99:.1f} ms"
    )
    for kind, latencies in sorted(tally.by_kind.items()):
        p50, p99 = percentiles(latencies)
        print(f"    {kind:<24} {len(latencies):6d}   p50 {p50:8.1f} ms   p99 {p99:8.1f} ms")
    print("errors: " + (", ".join(f"{kind} {n}" for kind, n in tally.errors.most_common()) or "none"))
    print("cache: " + ", ".join(f"{kind} {n}" for kind, n in tally.cache.most_common()))
    print(
        f"rows in the db {rows} vs requests answered {tally.answered}{'' if rows == tally.answered else '   MISMATCH'}"
    )
    print(f"cco RSS before {rss[0]:.0f} MB, after {rss[1]:.0f} MB")
    per = 1000 / max(1, tally.answered)
    print(
        f"CPU per request: cco {cpu[0] * per:.2f} ms, this Python client {cpu[1] * per:.2f} ms "
        "(when the client's is the larger, it is the bottleneck, not cco)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    port = free_port()
    config = write_config(f"http://127.0.0.1:{port}")
    db = config / "soak.db"
    with (
        process([sys.executable, "-m", "tests.fakes.raw_upstream", str(port)], None, port),
        headless_cco(config, db, "--log-level", "warning") as cco,
    ):
        running = Running(cco.url, cco.process.pid)
        before, cco_cpu, client_cpu = running.rss_mb(), cpu_seconds(cco.process.pid), time.process_time()
        tally, wall = asyncio.run(drive(cco.url, args.count, args.concurrency, args.max_seconds))
        after = running.rss_mb()
        cpu = (cpu_seconds(cco.process.pid) - cco_cpu, time.process_time() - client_cpu)
        code = cco.stop()
        if code != 0 or "Traceback" in cco.log():
            print(f"cco exited {code}; its log ends: {cco.log()[-2000:]}")
    report(tally, wall, rows_in(db), (before, after), cpu)


if __name__ == "__main__":
    main()
