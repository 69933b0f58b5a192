"""Throughput and latency as clients are added: does cco's cost per request stay flat under concurrency?

Drives a headless cco (recording on, its defaults otherwise) with `wrk`, a C load generator, so the client is not
the bottleneck; every request carries `x-cco-cache: bypass` so it goes to the fake upstream (by default the fast one in
tests/fakes/raw_upstream.py, so the fake's own CPU is small next to cco's). For each
concurrency level prints req/s, p50 and p99 (wrk's own latency histogram) and cco's CPU seconds per request
(user + system time of the cco process over the run, from /proc), with the share of the run cco was on a CPU
("busy") and ready but waiting for one (on a shared machine, throughput can fall for that reason alone: CPU per
request is the figure that shows whether cco's own cost grows with concurrency).

Run: `.venv/bin/python -m bench.concurrency [--duration 10] [--levels 1,8,16,32,64] [--body small|75kb]`.
Targets (issue 15): req/s at c=64 >= 0.9 x req/s at c=8; p99 at c=64 < 10 x p50 at c=1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import HEADERS, process, write_config
from tests.fakes.process import free_port, headless_cco

# wrk calls done() once at the end; it prints one JSON line the benchmark parses (latencies are microseconds).
LUA = """
wrk.method = "POST"
wrk.body = io.open(os.getenv("CCO_BENCH_BODY"), "rb"):read("*a")
%(headers)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d, "status_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Level:
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s: float
    upstream_cpu_s: float
    runqueue_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def row(self) -> str:
        cpu_ms = 1000 * self.cpu_s / max(1, self.requests)
        fake_ms = 1000 * self.upstream_cpu_s / max(1, self.requests)
        return (
            f"c={self.concurrency:<3} {self.rps:8.0f} req/s   p50 {self.p50_ms:8.2f} ms   p99 {self.p99_ms:8.2f} ms"
            f"   cco CPU {cpu_ms:5.2f} ms/req (busy {self.cpu_s / self.seconds:4.0%},"
            f" waiting for a CPU {self.runqueue_s / self.seconds:4.0%})"
            f"   fake upstream CPU {fake_ms:5.2f} ms/req   errors {self.errors}"
        )


def cpu_seconds(pid: int) -> float:
    """User + system time of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid: int) -> float:
    """Time the process's threads were ready to run but waited for a CPU (the machine may be shared)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def write_script(directory: Path, body: bytes) -> Path:
    headers = {**HEADERS, "x-cco-cache": "bypass"}
    lines = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items())
    (directory / "body.json").write_bytes(body)
    script = directory / "post.lua"
    script.write_text(LUA % {"headers": lines})
    return script


def run_wrk(url: str, script: Path, concurrency: int, duration: int) -> dict[str, int]:
    threads = min(2, concurrency)
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url + "/v1/messages",
    ]
    env = {**os.environ, "CCO_BENCH_BODY": str(script.with_name("body.json"))}
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(url: str, pids: tuple[int, int], script: Path, concurrency: int, duration: int) -> Level:
    """pids: cco's and the fake upstream's (the machine may be shared: what each spent is what matters)."""
    run_wrk(url, script, concurrency, 1)  # warm-up: connections opened, caches and the upstream pool filled
    before = [cpu_seconds(pid) for pid in pids]
    waited = runqueue_wait_seconds(pids[0])
    report = run_wrk(url, script, concurrency, duration)
    cco_cpu, fake_cpu = (cpu_seconds(pid) - start for pid, start in zip(pids, before, strict=True))
    waited = runqueue_wait_seconds(pids[0]) - waited
    return Level(
        concurrency,
        report["requests"],
        report["duration_us"] / 1e6,
        report["p50_us"] / 1000,
        report["p99_us"] / 1000,
        report["errors"] + report["status_errors"],
        cco_cpu,
        fake_cpu,
        waited,
    )


def verdict(levels: dict[int, Level]) -> list[str]:
    lines = []
    if 8 in levels and 64 in levels:
        ratio = levels[64].rps / levels[8].rps
        lines.append(f"req/s c=64 / c=8 = {ratio:.2f} (target >= 0.90) {'ok' if ratio >= 0.9 else 'MISSED'}")
        growth = (levels[64].cpu_s / levels[64].requests) / (levels[8].cpu_s / levels[8].requests)
        lines.append(f"cco CPU per request c=64 / c=8 = {growth:.2f} (1.0 = cost independent of requests in flight)")
    if 1 in levels and 64 in levels:
        ratio = levels[64].p99_ms / levels[1].p50_ms
        lines.append(f"p99 c=64 / p50 c=1 = {ratio:.1f} (target < 10) {'ok' if ratio < 10 else 'MISSED'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per level")
    parser.add_argument("--levels", default="1,8,16,32,64")
    parser.add_argument("--body", choices=["small", "75kb"], default="small")
    parser.add_argument("--cco-source", type=Path, help="run cco from this source tree (A/B against another commit)")
    parser.add_argument(
        "--upstream",
        choices=["raw", "asgi"],
        default="raw",
        help="raw: the fast asyncio fake (default); asgi: the tests' Hypercorn fake",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`)")
    payload = small_body() if args.body == "small" else claude_code_body()
    script = write_script(Path(tempfile.mkdtemp(prefix="cco-wrk-")), orjson.dumps(payload))
    levels: dict[int, Level] = {}
    module = "tests.fakes.raw_upstream" if args.upstream == "raw" else "bench.fake_upstream_server"
    port = free_port()
    config = write_config(f"http://127.0.0.1:{port}")
    source = args.cco_source.resolve() if args.cco_source else None  # `-m` puts the cwd first on sys.path
    env = {"PYTHONPATH": str(source)} if source else None
    with (
        process([sys.executable, "-m", module, str(port)], None, port) as fake,
        headless_cco(config, config / "bench.db", "--log-level", "warning", env=env, cwd=source) as cco,
    ):
        for concurrency in (int(level) for level in args.levels.split(",")):
            levels[concurrency] = measure(cco.url, (cco.process.pid, fake.pid), script, concurrency, args.duration)
            print(levels[concurrency].row(), flush=True)
    for line in verdict(levels):
        print(line)


if __name__ == "__main__":
    main()
