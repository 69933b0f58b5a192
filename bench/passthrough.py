"""Pass-through overhead, in one run: the same requests sent to the fake upstream directly, through cco with
analytics off, and through cco recording every request (the store's cost is the difference of the last two).

Run: `.venv/bin/python -m bench.passthrough [--count N]`. Caching is off so every request goes upstream.
Prints p50/p99 and req/s per case, and the latency cco adds (difference of medians) at concurrency 1.
"""

from __future__ import annotations

import argparse

import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import Result, cco_headless, fake_upstream, run_sequential

CASES = [
    ("small JSON", small_body()),
    ("75KB JSON", claude_code_body()),
    ("small stream", small_body(stream=True)),
    ("75KB stream", claude_code_body(stream=True)),
]


def added(label: str, proxied: Result, direct: Result) -> str:
    return (
        f"{'':<10}{label:<34} added p50 {proxied.p50 - direct.p50:6.3f} ms   "
        f"added p99 {proxied.p99 - direct.p99:6.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    count = parser.parse_args().count
    no_cache = {"cache": {"enabled": False}}
    with (
        fake_upstream() as upstream,
        cco_headless(upstream, {**no_cache, "analytics": False}) as bare,
        cco_headless(upstream, no_cache) as recording,
    ):
        for name, payload in CASES:
            body = orjson.dumps(payload)
            label = f"{name} ({len(body)} B)"
            direct = run_sequential(f"{label} direct", upstream, body, count)
            unrecorded = run_sequential(f"{label} via cco, no store", bare.url, body, count)
            recorded = run_sequential(f"{label} via cco, recorded", recording.url, body, count)
            for result in (direct, unrecorded, recorded):
                print(result.row())
            print(added("cco (recording)", recorded, direct))
            print(f"{'':<10}{'store cost':<34} p50 {recorded.p50 - unrecorded.p50:+6.3f} ms")


if __name__ == "__main__":
    main()
