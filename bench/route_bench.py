"""Resolving a route with conditions on a ~80 KB Claude Code request: p50/p99 per scenario, in microseconds.

Each measured call binds a fresh request (new Incoming, new Facts: nothing cached across requests), as the
route step does once per request, after intake parsed the body. Run: `python -m bench.route_bench`.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import orjson

from bench.bodies import claude_code_body
from cco_tui.config.routes import Route, parse_routes
from cco_tui.config.settings import Config
from cco_tui.pipeline.route import chain_for
from cco_tui.wire.types import Incoming

UP = "http://127.0.0.1:9/v1"
SCENARIOS: dict[str, list[dict[str, Any]]] = {
    "pattern only (today)": [],
    "agent=subagent (misses)": [{"pattern": "claude-*", "when": {"agent": "subagent"}, "model": "claude-haiku-4-5"}],
    "ccr preset (class, thinking, tokens; main turn)": [
        {"pattern": "claude-*", "when": {"request_class": "background"}, "model": "claude-haiku-4-5"},
        {"pattern": "claude-*", "when": {"min_input_tokens": 60000}, "model": "claude-sonnet-4-6"},
        {"pattern": "claude-*", "when": {"thinking": True}, "model": "claude-opus-4-8"},
    ],
    "min_input_tokens (matches, estimate made)": [
        {"pattern": "claude-*", "when": {"min_input_tokens": 1000}, "model": "claude-sonnet-4-6"}
    ],
}


def routes(extra: list[dict[str, Any]]) -> tuple[Route, ...]:
    plain = {"pattern": "^claude-", "provider": "anthropic", "endpoint": UP}
    return parse_routes({"routes": [*extra, plain]}, "bench")


def incoming(body: bytes, payload: dict[str, Any]) -> Incoming:
    headers = [(b"content-type", b"application/json"), (b"x-claude-code-session-id", b"s"), (b"user-agent", b"cli")]
    return Incoming("cco_b", "POST", "/v1/messages", b"beta=true", b"/v1/messages", headers, body, payload, "")


def measure(config: Config, body: bytes, rounds: int = 3000) -> list[float]:
    samples = []
    payloads = [orjson.loads(body) for _ in range(50)]  # intake's parse happens before the route step
    for n in range(rounds):
        request = incoming(body, payloads[n % len(payloads)])
        start = time.perf_counter_ns()
        chain_for(config, request)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def machine_reference() -> float:
    """p50 of a fixed pure-Python loop, so figures from a loaded machine can be compared with a quiet one's."""
    samples = []
    for _ in range(2000):
        start = time.perf_counter_ns()
        sum(range(1000))
        samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


def main() -> None:
    print(f"machine reference: sum(range(1000)) p50 {machine_reference():.2f} µs (about 5 µs on an idle core)")
    payload = claude_code_body(tools=28, stream=True)
    payload["thinking"] = {"type": "adaptive"}
    body = json.dumps(payload).encode()
    print(f"request body: {len(body) / 1024:.1f} KB")
    for name, extra in SCENARIOS.items():
        config = Config.__new__(Config)
        object.__setattr__(config, "routes", routes(extra))
        samples = sorted(measure(config, body))
        p99 = samples[int(len(samples) * 0.99)]
        print(f"{name:<48} p50 {statistics.median(samples):8.2f} µs   p99 {p99:8.2f} µs")


if __name__ == "__main__":
    main()
