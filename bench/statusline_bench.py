"""`cco statusline` end to end, Python's start included, on a 1,000,000-row analytics database.

    PYTHONPATH=. .venv/bin/python bench/statusline_bench.py [--db PATH] [--rows 1000000] [--runs 60]

Seeds the database like store_bench.py (kept at --db when given, reused when it already exists), then runs
the `cco` console script as Claude Code would: a fresh process per turn, Claude Code's JSON on stdin. Uses
hyperfine when it is installed, else times subprocesses itself. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.store_bench import seed
from cco_tui.costs import load_pricing_file, shipped_pricing_path


def cco_script() -> str:
    """The console script next to this interpreter: what `cco setup claude` writes into settings.json."""
    beside = Path(sys.executable).parent / "cco"
    return str(beside) if beside.exists() else shutil.which("cco") or "cco"


def ensure_db(path: Path, rows: int, days: int) -> None:
    if path.exists():
        with sqlite3.connect(path) as con:
            have = con.execute("SELECT COUNT(*) FROM request").fetchone()[0]
        print(f"reusing {path}: {have:,} rows")
        return
    seconds = seed(path, rows, days, "local", load_pricing_file(shipped_pricing_path()), time.time())
    print(f"seeded {rows:,} rows over {days} days in {seconds:.1f} s ({path.stat().st_size / 1e6:,.0f} MB)")


def latest_session(path: Path) -> tuple[str, int, str]:
    with sqlite3.connect(path) as con:
        session, project = con.execute(
            "SELECT session_id, project_path FROM request WHERE session_id IS NOT NULL ORDER BY ts DESC LIMIT 1"
        ).fetchone()
        calls = con.execute("SELECT COUNT(*) FROM request WHERE session_id = ?", (session,)).fetchone()[0]
    return session, calls, project or "/tmp"


def claude_code_input(session: str, directory: str) -> bytes:
    return json.dumps(
        {
            "session_id": session,
            "cwd": directory,
            "model": {"id": "claude-opus-4-8", "display_name": "Opus"},
            "workspace": {"current_dir": directory, "project_dir": directory},
            "version": "2.1.197",
            "cost": {"total_cost_usd": 1.23},
        }
    ).encode()


CPU_TIMES: list[float] = []  # per run of the last own_timing(): user + system CPU of the child, in ms


def own_timing(command: list[str], stdin: bytes, runs: int) -> list[float]:
    """Wall time per run; also CPU time (CPU_TIMES), which a busy machine inflates far less than wall time."""
    samples = []
    CPU_TIMES.clear()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, input=stdin, capture_output=True, check=True)
        samples.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU_TIMES.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return samples


def hyperfine(command: list[str], stdin: Path, runs: int) -> list[float]:
    """hyperfine runs the command through a shell (for the stdin redirect) and subtracts the shell's own start."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        line = f"{shlex.join(command)} < {shlex.quote(str(stdin))}"
        flags = ["--warmup", "3", "--runs", str(runs), "--export-json", str(out)]
        subprocess.run(["hyperfine", *flags, line], check=True, capture_output=True)
        return [t * 1000 for t in json.loads(out.read_text())["results"][0]["times"]]


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{name:<44} p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   (n={len(ordered)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="database to seed or reuse (default: a temporary file)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        ensure_db(path, args.rows, args.days)
        session, calls, directory = latest_session(path)
        stdin = Path(tmp) / "statusline.json"
        stdin.write_bytes(claude_code_input(session, directory))
        command = [cco_script(), "statusline", "--db", str(path)]
        shown = subprocess.run(command, input=stdin.read_bytes(), capture_output=True, check=True).stdout
        print(f"session {session} ({calls:,} calls) → {shown.decode().strip()}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        runner = "hyperfine" if shutil.which("hyperfine") else "subprocess"
        timing = hyperfine if runner == "hyperfine" else lambda c, s, n: own_timing(c, s.read_bytes(), n)
        scale = [sys.executable, "-c", "pass"]
        for name, measured in (("cco statusline", command), ("python -c pass, for scale", scale)):
            report(f"{name} ({runner}, wall)", timing(measured, stdin, args.runs))
            if runner == "hyperfine":  # CPU time too: a busy machine inflates it far less than wall time
                own_timing(measured, stdin.read_bytes(), args.runs)
            report(f"{name} (CPU: user + system)", CPU_TIMES)


if __name__ == "__main__":
    main()
