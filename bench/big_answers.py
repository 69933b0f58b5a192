"""cco's memory for huge answers: a 200 MB stream, a 200 MB JSON answer, and 25,000 distinct model names.

cco runs as a real headless process (cache on, default limits) in front of the in-process fake upstream; the
client reads and discards. Prints cco's RSS before, its peak (VmHWM) and after each case. Run:
    PYTHONPATH=. .venv/bin/python bench/big_answers.py [megabytes] [model_names]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.harness import HEADERS, cco_headless
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message
from tests.fakes.serve import running

PIECE = "x" * 65536


def huge_events(megabytes: int) -> Iterator[tuple[str, Any]]:
    msg = message(text="")
    yield "message_start", {"type": "message_start", "message": {**msg, "content": [], "stop_reason": None}}
    yield (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    for _ in range(megabytes * 16):
        delta = {"type": "text_delta", "text": PIECE}
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": msg["usage"]}
    yield "message_stop", {"type": "message_stop"}


def status(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def one(url: str, body: dict[str, Any]) -> int:
    received = 0
    with httpx.stream("POST", url + "/v1/messages", json=body, headers=HEADERS, timeout=300) as response:
        for chunk in response.iter_bytes():
            received += len(chunk)
    return received


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    names = int(sys.argv[2]) if len(sys.argv) > 2 else 25_000
    fake = FakeAnthropic(record=False)
    big_json = json.dumps(message(text="y" * (megabytes * 1_000_000))).encode()

    def respond(received: Received) -> Reply:
        payload = received.json()
        if payload.get("max_tokens") == 1:
            return Reply(events=huge_events(megabytes))  # type: ignore[arg-type]  # a generator: nothing held
        if payload.get("max_tokens") == 2:
            return Reply(body=big_json)
        return Reply(body=message(model=payload["model"]))

    fake.responder = respond
    base = {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "big"}]}
    with running(fake) as upstream, cco_headless(upstream.url) as cco:
        print(f"cco RSS at start: {status(cco.pid, 'VmRSS'):.0f} MB")
        for label, extra in (("stream", {"max_tokens": 1, "stream": True}), ("JSON", {"max_tokens": 2})):
            before = status(cco.pid, "VmRSS")
            started = time.perf_counter()
            size = one(cco.url, {**base, **extra})
            elapsed = time.perf_counter() - started
            time.sleep(1)
            print(
                f"{megabytes} MB {label} answer ({size / 1e6:.0f} MB relayed in {elapsed:.1f} s):"
                f" RSS before {before:.0f} MB,"
                f" peak so far {status(cco.pid, 'VmHWM'):.0f} MB, after {status(cco.pid, 'VmRSS'):.0f} MB"
            )
        before = status(cco.pid, "VmRSS")
        with httpx.Client(headers=HEADERS, timeout=30) as client, ThreadPoolExecutor(8) as pool:
            body = {**base, "max_tokens": 5}
            list(
                pool.map(
                    lambda n: client.post(cco.url + "/v1/messages", json={**body, "model": f"m-{n}"}), range(names)
                )
            )
        time.sleep(2)
        print(f"{names} distinct model names: RSS before {before:.0f} MB, after {status(cco.pid, 'VmRSS'):.0f} MB")


if __name__ == "__main__":
    main()
