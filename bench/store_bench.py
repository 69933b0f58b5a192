"""Analytics store benchmark: seed 1,000,000 request rows, time every query, and the writer.

    PYTHONPATH=. .venv/bin/python bench/store_bench.py [--rows 1000000] [--days 90] [--spread local|uniform]

`local` (default) models real use: in any hour one to three projects are active. `uniform` spreads every
request over every project and model, the worst case for the rollups. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cco_tui.costs import PricingTable, Usage, load_pricing_file, shipped_pricing_path
from cco_tui.store import RecordWriter, RequestRecord, open_database, queries
from cco_tui.store.db import new_database
from cco_tui.store.export import export_rows
from cco_tui.store.queries import Filter
from cco_tui.store.rollup import rebuild_rollups
from cco_tui.store.rows import costing_of, request_row
from cco_tui.store.sessions import rebuild_sessions

PROJECTS = [f"project-{i:02d}" for i in range(12)]
MODELS = [
    ("claude-sonnet-4-5-20250929", "anthropic", 40),
    ("claude-opus-4-5", "anthropic", 15),
    ("claude-haiku-4-5", "anthropic", 20),
    ("gpt-4o", "openai", 10),
    ("ollama/qwen3-coder", "ollama", 10),
    ("mystery-model", "anthropic", 5),
]
CHUNK = 50_000


def make_record(rng: random.Random, ts: float, project: str, i: int) -> RequestRecord:
    model, provider, _ = rng.choices(MODELS, weights=[m[2] for m in MODELS])[0]
    record = RequestRecord(
        request_id=f"req_{i:08d}",
        ts_start=ts,
        project=project,
        project_path=f"/home/dev/{project}",
        session_id=f"session-{int(ts // 7200)}",
        client="claude-cli",
        requested_model=model,
        served_model=model,
        provider=provider,
        stream=True,
        status=200 if rng.random() > 0.02 else 529,
        cache_status=rng.choice(("hit", "miss", "miss", "miss", "off")),
        latency_ms=rng.lognormvariate(7.5, 0.9),
        ttfb_ms=rng.lognormvariate(6.5, 0.6),
        overhead_ms=rng.random() * 0.5,
        request_bytes=rng.randrange(5_000, 120_000),
        response_bytes=rng.randrange(200, 20_000),
    )
    usage = Usage(rng.randrange(1, 400), rng.randrange(20, 4000), rng.choice((0, 0, 2500)), 0, rng.randrange(0, 90_000))
    if record.cache_status == "hit":
        record.original_model, record.original_usage = model, usage
    else:
        record.set_usage(usage)
    return record


def _project_picker(rng: random.Random, spread: str) -> Callable[[float], str]:
    active: dict[int, list[str]] = {}

    def pick(ts: float) -> str:
        if spread == "uniform":
            return rng.choice(PROJECTS)
        hour = int(ts // 3600)
        if hour not in active:
            active[hour] = rng.sample(PROJECTS, rng.randint(1, 3))
        return rng.choice(active[hour])

    return pick


def seed(path: Path, rows: int, days: int, spread: str, pricing: PricingTable, now: float) -> float:
    started = time.perf_counter()
    open_database(path)
    rng = random.Random(42)
    pick = _project_picker(rng, spread)
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=wal")
        columns: list[str] | None = None
        for start in range(0, rows, CHUNK):
            batch = []
            for i in range(start, min(start + CHUNK, rows)):
                ts = now - rng.random() * days * 86400
                record = make_record(rng, ts, pick(ts), i)
                batch.append(request_row(record, costing_of(pricing, record)))
            columns = columns or list(batch[0])
            sql = f"INSERT INTO request ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
            con.executemany(sql, batch)
            con.commit()
    db = new_database(path)
    with db.connection_context(), db.atomic():
        rebuild_rollups(db)
        rebuild_sessions(db)
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    fn()  # warm the OS page cache once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def query_cases(now: float) -> list[tuple[str, Callable[[], Any]]]:
    today = queries.burn_rate(None, now).day_start
    session = now - 2.5 * 3600 - 123.4  # unaligned start: raw rows + hour rollups + day rollups
    month = now - 30 * 86400
    p = PROJECTS[3]
    return [
        ("totals all time", lambda: queries.totals(Filter())),
        ("totals project all time", lambda: queries.totals(Filter(project=p))),
        ("totals project today", lambda: queries.totals(Filter(project=p, since=today))),
        ("totals project session (unaligned)", lambda: queries.totals(Filter(project=p, since=session))),
        ("totals last 30 days (unaligned)", lambda: queries.totals(Filter(since=month + 77.7, until=now))),
        ("timeseries hour, today", lambda: queries.timeseries(Filter(since=today), "hour")),
        (
            "timeseries hour, project today",
            lambda: queries.timeseries(Filter(project=p, since=today), "hour"),
        ),
        ("timeseries day, 30 days", lambda: queries.timeseries(Filter(since=month), "day")),
        (
            "timeseries day, project 30 days",
            lambda: queries.timeseries(Filter(project=p, since=month), "day"),
        ),
        ("timeseries day, all time", lambda: queries.timeseries(Filter(), "day")),
        ("breakdown model all time", lambda: queries.breakdown(Filter(), "model")),
        ("breakdown project all time", lambda: queries.breakdown(Filter(), "project")),
        ("breakdown provider 30 days", lambda: queries.breakdown(Filter(since=month), "provider")),
        (
            "breakdown model, project today",
            lambda: queries.breakdown(Filter(project=p, since=today), "model"),
        ),
        ("projects", queries.projects),
        ("recent 50", lambda: queries.recent(50)),
        ("recent 50, project", lambda: queries.recent(50, p)),
        ("burn rate, project", lambda: queries.burn_rate(p, now)),
        ("burn rate, machine", lambda: queries.burn_rate(None, now)),
        (
            "export 1 day (rows → dicts)",
            lambda: sum(1 for _ in export_rows(Filter(since=now - 86400))),
        ),
    ]


def bench_queries(now: float) -> None:
    print(f"\n{'query':<40} {'median ms':>10} {'max ms':>10}")
    for name, fn in query_cases(now):
        median, worst = timed(fn)
        print(f"{name:<40} {median:>10.1f} {worst:>10.1f}")


async def _submit(writer: RecordWriter, records: list[RequestRecord], costs_ns: list[int]) -> None:
    for i, record in enumerate(records):
        started = time.perf_counter_ns()
        writer.submit(record)
        costs_ns.append(time.perf_counter_ns() - started)
        if i % 100 == 0:
            await asyncio.sleep(0)  # let other tasks run, as a proxy's loop would


def bench_writer(path: Path, pricing: PricingTable, count: int, now: float) -> None:
    rng = random.Random(7)
    records = [make_record(rng, now - rng.random() * 3600, rng.choice(PROJECTS), i) for i in range(count)]
    writer = RecordWriter(path, pricing, queue_size=count + 1)
    writer.start()
    costs_ns: list[int] = []
    started = time.perf_counter()
    tasks = [records[i::32] for i in range(32)]

    async def run() -> None:
        await asyncio.gather(*(_submit(writer, chunk, costs_ns) for chunk in tasks))

    asyncio.run(run())
    submitted = time.perf_counter() - started
    writer.stop(600)
    elapsed = time.perf_counter() - started
    costs_ns.sort()
    stats = writer.stats()
    print(f"\nwriter: {count:,} records from 32 tasks into a {path.stat().st_size / 1e6:,.0f} MB file")
    p50, p99 = costs_ns[len(costs_ns) // 2] / 1000, costs_ns[len(costs_ns) * 99 // 100] / 1000
    print(f"  submit() per call: p50 {p50:.1f} µs, p99 {p99:.1f} µs (all submitted in {submitted:.2f} s)")
    rate = stats.written / elapsed
    print(f"  written {stats.written:,}, dropped {stats.dropped}, failed {stats.failed} in {elapsed:.2f} s")
    print(f"  → {rate:,.0f} rows/s (priced, rollups updated, committed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--spread", choices=("local", "uniform"), default="local")
    parser.add_argument("--writer-records", type=int, default=100_000)
    args = parser.parse_args()
    pricing = load_pricing_file(shipped_pricing_path())
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        seconds = seed(path, args.rows, args.days, args.spread, pricing, now)
        size_mb = path.stat().st_size / 1e6
        where = f"{args.rows:,} rows over {args.days} days ({args.spread})"
        print(f"seeded {where}: {seconds:.1f} s, {size_mb:,.0f} MB")
        with sqlite3.connect(path) as con:
            for table in ("rollup_hour", "rollup_day", "rollup_week", "latency_day", "latency_week"):
                print(f"  {table}: {con.execute(f'SELECT COUNT(*) FROM {table}').fetchone()[0]:,} rows")
        bench_queries(now)
        bench_writer(path, pricing, args.writer_records, now)
    print(f"(threads alive at exit: {threading.active_count()})")


if __name__ == "__main__":
    main()
