"""What reading plan meters adds per upstream answer, on the event loop.

- rate_limits() on an answer head without rate-limit headers (most providers): the cost every request pays;
- the same with Anthropic's unified plan headers, and MeterBook.observe (parse, credential id, keep).
Run:  PYTHONPATH=. .venv/bin/python bench/meters_bench.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cco_tui.pipeline.meters import MeterBook
from cco_tui.wire.ratelimits import rate_limits

PLAIN = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"request-id", b"req_011CXYZ"),
    (b"date", b"Fri, 04 Dec 2026 17:00:00 GMT"),
    (b"cf-ray", b"8f2a1b3c4d5e6f70-FRA"),
    (b"server", b"cloudflare"),
    (b"anthropic-organization-id", b"00000000-0000-0000-0000-000000000000"),
    (b"via", b"1.1 google"),
    (b"x-envoy-upstream-service-time", b"812"),
]
UNIFIED = PLAIN + [
    (f"anthropic-ratelimit-unified-{name}".encode(), value.encode())
    for name, value in {
        "status": "allowed",
        "5h-utilization": "0.42",
        "5h-reset": "1796400000",
        "7d-utilization": "0.18",
        "7d-reset": "1796900000",
        "representative-claim": "five_hour",
        "reset": "1796400000",
        "overage-status": "rejected",
    }.items()
]
REQUEST = [(b"authorization", b"Bearer sk-ant-oat01-" + b"x" * 80), (b"anthropic-beta", b"oauth-2025-04-20")]


def per_op_us(action: Callable[[], object], repeat: int = 100_000) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    book = MeterBook()
    print(f"rate_limits, no rate-limit headers: {per_op_us(lambda: rate_limits(PLAIN)):7.2f} us")
    print(f"rate_limits, unified plan headers:  {per_op_us(lambda: rate_limits(UNIFIED)):7.2f} us")
    print(f"MeterBook.observe, plan headers:    {per_op_us(lambda: book.observe(REQUEST, UNIFIED)):7.2f} us")


if __name__ == "__main__":
    main()
