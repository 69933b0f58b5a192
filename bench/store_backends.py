"""The record writer into PostgreSQL vs SQLite, same records, same run: rows/s, and the totals query.

    PYTHONPATH=. .venv/bin/python bench/store_backends.py [--records 50000] [--postgres URL] [--rounds 3]

Without --postgres a throwaway cluster is started from Debian's package (tests/servers.py; as the `postgres`
user when run as root), on loopback with fsync off. With --postgres, point it at an EMPTY database: the bench
writes into it. Each round writes `--records` records from 32 asyncio tasks through RecordWriter (priced,
request rows inserted, hour/day/week rollups and latency histograms upserted, committed per batch).
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.store_bench import PROJECTS, make_record
from cco_tui.costs import PricingTable, load_pricing_file, shipped_pricing_path
from cco_tui.store import RecordWriter, RequestRecord, open_database, queries
from cco_tui.store.target import db_target
from tests.servers import PostgresServer, _postgres_user, postgres_bin_dir

TASKS = 32


def make_records(count: int, seed: int) -> list[RequestRecord]:
    rng, now = random.Random(seed), time.time()
    return [make_record(rng, now - rng.random() * 3600, rng.choice(PROJECTS), i) for i in range(count)]


async def _submit(writer: RecordWriter, records: list[RequestRecord]) -> None:
    for i, record in enumerate(records):
        writer.submit(record)
        if i % 100 == 0:
            await asyncio.sleep(0)  # interleave the tasks, as a proxy's loop would


def write_round(target: Path | str, pricing: PricingTable, records: list[RequestRecord]) -> tuple[float, int, int]:
    """(seconds, written, dropped) for one writer taking every record from TASKS tasks."""
    writer = RecordWriter(target, pricing, queue_size=len(records) + 1)
    writer.start()
    started = time.perf_counter()

    async def run() -> None:
        await asyncio.gather(*(_submit(writer, records[i::TASKS]) for i in range(TASKS)))

    asyncio.run(run())
    writer.stop(600)
    elapsed = time.perf_counter() - started
    stats = writer.stats()
    return elapsed, stats.written, stats.dropped + stats.failed


def totals_ms(target: Path | str, repeat: int = 20) -> float:
    open_database(target)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        queries.totals()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql), or pass --postgres URL")
    directory = Path(tempfile.mkdtemp(prefix="cco-bench-pg-"))
    server = PostgresServer(bin_dir, directory, _postgres_user())
    try:
        server._chown(directory)
        server.init()
        server.start()
        yield server.create_database()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    pricing = load_pricing_file(shipped_pricing_path())
    with contextlib.ExitStack() as stack:
        url = args.postgres or stack.enter_context(throwaway_postgres())
        sqlite_file = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bench.db"
        targets: dict[str, Path | str] = {"sqlite": sqlite_file, "postgresql": url}
        print(
            f"writer: {args.records:,} records x {args.rounds} rounds from {TASKS} tasks; postgresql = {db_target(url)}"
        )
        for name, target in targets.items():
            open_database(target)
            rates = []
            for round_number in range(args.rounds):
                elapsed, written, lost = write_round(target, pricing, make_records(args.records, round_number))
                rates.append(written / elapsed)
                print(f"  {name:<10} round {round_number + 1}: {written:,} rows in {elapsed:.2f} s, lost {lost}")
            total = args.records * args.rounds
            print(f"  {name:<10} → median {statistics.median(rates):,.0f} rows/s; "
                  f"totals() over {total:,} rows: {totals_ms(target):.1f} ms (median of 20)")  # fmt: skip


if __name__ == "__main__":
    main()
