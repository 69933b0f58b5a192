"""Cache-hit speed against the framework ceiling, in one run.

The same request goes to (a) cco headless, whose cache already holds the answer, and (b) a bare Quart +
Hypercorn app answering from a dict. Prints p50/p99 and req/s at concurrency 1 and 16 for a small and a
~75 KB body, the ratios the targets are stated in, and cco's RSS after 10,000 typical entries.
Run: `.venv/bin/python -m bench.cache_hits [--count N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import httpx
import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import (
    HEADERS,
    Result,
    cco_headless,
    fake_upstream,
    process,
    run_concurrent,
    run_sequential,
)
from tests.fakes.process import free_port

TYPICAL_ENTRIES = 10_000


def measure(label: str, url: str, body: bytes, count: int, concurrency: int) -> Result:
    if concurrency == 1:
        return run_sequential(label, url, body, count)
    return run_concurrent(label, url, body, count, concurrency)


def compare(name: str, cco: str, bare: str, body: bytes, count: int, concurrency: int) -> None:
    hit = measure(f"{name} c={concurrency} cco hit", cco, body, count, concurrency)
    ceiling = measure(f"{name} c={concurrency} bare Quart", bare, body, count, concurrency)
    print(hit.row())
    print(ceiling.row())
    print(
        f"{'':<44} throughput {hit.rps / ceiling.rps:5.2f}x bare (target >= 0.8)   "
        f"p50 {hit.p50 / ceiling.p50:5.2f}x bare (target <= 1.5)"
    )


async def fill(url: str, entries: int) -> None:
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(headers=HEADERS, timeout=30, limits=limits) as client:
        semaphore = asyncio.Semaphore(16)

        async def one(n: int) -> None:
            body = small_body(stream=n % 2 == 0)
            body["messages"][0]["content"] = f"typical question number {n} " + "context " * 200
            async with semaphore:
                await client.post(url + "/v1/messages", content=orjson.dumps(body))

        await asyncio.gather(*(one(n) for n in range(entries)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count
    bare_port = free_port()
    bodies = [("small", orjson.dumps(small_body())), ("75KB", orjson.dumps(claude_code_body()))]
    with (
        fake_upstream() as upstream,
        cco_headless(upstream) as cco,
        process([sys.executable, "-m", "bench.bare_app", str(bare_port)], None, bare_port),
    ):
        bare = f"http://127.0.0.1:{bare_port}"
        for name, body in bodies:
            httpx.post(cco.url + "/v1/messages", content=body, headers=HEADERS)  # the miss that fills the entry
            for concurrency in (1, 16):
                compare(f"{name} ({len(body)} B)", cco.url, bare, body, count, concurrency)
        before = cco.rss_mb()
        asyncio.run(fill(cco.url, TYPICAL_ENTRIES))
        stats = httpx.get(cco.url + "/api/cache/stats").json()
        print(
            f"cache entries {stats['entries']}  bytes {stats['bytes'] / 1e6:.1f} MB  "
            f"RSS before fill {before:.1f} MB  after {cco.rss_mb():.1f} MB (target < 150 MB)"
        )


if __name__ == "__main__":
    main()
