"""Shared benchmark plumbing: start processes, fire requests, summarise latencies."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.process import free_port, headless_cco, wait_healthy

REPO = Path(__file__).resolve().parents[1]
HEADERS = {"x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01", "content-type": "application/json"}


@dataclass
class Result:
    label: str
    latencies_ms: list[float]
    wall_s: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.wall_s

    def row(self) -> str:
        return f"{self.label:<44} p50 {self.p50:8.3f} ms   p99 {self.p99:8.3f} ms   {self.rps:8.0f} req/s"


@contextmanager
def process(args: list[str], health_url: str | None, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = tempfile.NamedTemporaryFile(prefix="cco-bench-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        if health_url:
            wait_healthy(health_url, proc)
        else:
            wait_port(port)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on port {port}")


@contextmanager
def fake_upstream(module: str = "bench.fake_upstream_server") -> Iterator[str]:
    """The ASGI fake by default; `tests.fakes.raw_upstream` is the fast one for load benchmarks."""
    port = free_port()
    with process([sys.executable, "-m", module, str(port)], None, port):
        yield f"http://127.0.0.1:{port}"


def write_config(upstream: str, settings: dict[str, Any] | None = None) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="cco-bench-"))
    route = {
        "pattern": "^claude-",
        "provider": "anthropic",
        "endpoint": upstream + "/v1",
        "timeout_ms": 60000,
    }
    (directory / "model-routing.json").write_text(json.dumps({"routes": [route]}))
    (directory / "settings.json").write_text(json.dumps(settings or {}))
    return directory


@dataclass
class Running:
    url: str
    pid: int

    def rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


@contextmanager
def cco_headless(upstream: str, settings: dict[str, Any] | None = None) -> Iterator[Running]:
    config = write_config(upstream, settings)
    with headless_cco(config, config / "bench.db", "--log-level", "warning") as cco:
        yield Running(cco.url, cco.process.pid)


def run_sequential(
    label: str, url: str, body: bytes, count: int, warmup: int = 50, verify: ssl.SSLContext | bool = True
) -> Result:
    with httpx.Client(headers=HEADERS, timeout=30, verify=verify) as client:
        for _ in range(warmup):
            client.post(url + "/v1/messages", content=body).read()
        latencies = []
        started = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            response = client.post(url + "/v1/messages", content=body)
            response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text
        return Result(label, latencies, time.perf_counter() - started)


def run_concurrent(label: str, url: str, body: bytes, count: int, concurrency: int) -> Result:
    return asyncio.run(_run_concurrent(label, url, body, count, concurrency))


async def _run_concurrent(label: str, url: str, body: bytes, count: int, concurrency: int) -> Result:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=HEADERS, timeout=30, limits=limits) as client:
        await asyncio.gather(*(client.post(url + "/v1/messages", content=body) for _ in range(concurrency)))
        remaining = iter(range(count))
        started = time.perf_counter()

        async def worker() -> None:
            for _ in remaining:
                t0 = time.perf_counter()
                response = await client.post(url + "/v1/messages", content=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Result(label, latencies, time.perf_counter() - started)
