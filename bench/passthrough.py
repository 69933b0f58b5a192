"""Pass-through overhead: the same requests sent to the fake upstream directly and through cco headless.

Run: `.venv/bin/python -m bench.passthrough [--count N]`. Prints p50/p99 latency and req/s per case and the
latency cco adds (difference of medians) at concurrency 1. Caching is off so every request goes upstream.
"""

from __future__ import annotations

import argparse

import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import cco_headless, fake_upstream, run_sequential


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    count = parser.parse_args().count
    cases = [
        ("small JSON", orjson.dumps(small_body())),
        ("75KB JSON", orjson.dumps(claude_code_body())),
        ("small stream", orjson.dumps(small_body(stream=True))),
        ("75KB stream", orjson.dumps(claude_code_body(stream=True))),
    ]
    with fake_upstream() as upstream, cco_headless(upstream, {"cache": {"enabled": False}}) as cco:
        for name, body in cases:
            direct = run_sequential(f"{name} ({len(body)} B) direct", upstream, body, count)
            proxied = run_sequential(f"{name} ({len(body)} B) via cco", cco.url, body, count)
            print(direct.row())
            print(proxied.row())
            print(
                f"{'':<44} added p50 {proxied.p50 - direct.p50:6.3f} ms   added p99 {proxied.p99 - direct.p99:6.3f} ms"
            )


if __name__ == "__main__":
    main()
