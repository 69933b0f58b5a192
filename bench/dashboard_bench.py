"""Dashboard refresh cost on databases of 10k and 1,000,000 requests, per tab.

- query: the blocking reads one refresh does (dashboard_data.query_*), as a worker thread runs them;
- view: turning those results into cards, series and rows;
- render: from posting the loaded view to the app until the screen has been laid out and painted
  (Textual's headless driver, 120x40), plus the plotext build of each chart on its own;
- loop lag: how late a 10 ms timer fires on the UI loop while the writer takes 100 requests/s and the
  dashboard refreshes every second (a lag well under a frame means the UI never stalls).

Targets: query < 100 ms, render < 50 ms. Usage: python bench/dashboard_bench.py [--rows 10000 1000000]
[--keep DIR] (reuse databases seeded by an earlier run).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peewee import SqliteDatabase  # noqa: E402
from textual.message import Message  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widget import Widget  # noqa: E402

from cco_tui.app import CcoApp  # noqa: E402
from cco_tui.config.logs import MemoryLogHandler  # noqa: E402
from cco_tui.config.settings import load_config  # noqa: E402
from cco_tui.costs.pricing import PricingTable  # noqa: E402
from cco_tui.costs.usage import Usage  # noqa: E402
from cco_tui.store.connect import open_database  # noqa: E402
from cco_tui.store.db import new_database  # noqa: E402
from cco_tui.store.migrations import migrate  # noqa: E402
from cco_tui.store.record import RequestRecord  # noqa: E402
from cco_tui.store.rollup import add_to_rollups  # noqa: E402
from cco_tui.store.rows import costing_of, insert_requests, request_row  # noqa: E402
from cco_tui.store.writer import RecordWriter  # noqa: E402
from cco_tui.tui import data as data  # noqa: E402
from cco_tui.tui.context import AppContext  # noqa: E402
from cco_tui.tui.view_models import CurrentView, MachineView  # noqa: E402
from cco_tui.widgets.chart import ChartPlot  # noqa: E402

NOW = time.time()
DAYS = 90
PROJECTS = tuple(f"project-{i}" for i in range(12))
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "ollama/qwen2.5-coder", "gpt-4o-mini")
CHUNK = 20_000
REPEATS = 7


# --- seeding ----------------------------------------------------------------------------------------


def fake_record(rng: random.Random, ts: float) -> RequestRecord:
    hit = rng.random() < 0.1
    record = RequestRecord(
        request_id=f"bench-{ts:.6f}-{rng.random():.6f}",
        ts_start=ts,
        project=rng.choice(PROJECTS),
        requested_model=(model := rng.choice(MODELS)),
        served_model=model,
        provider="anthropic",
        status=529 if rng.random() < 0.02 else 200,
        cache_status="hit" if hit else "miss",
        latency_ms=40.0 if hit else rng.lognormvariate(7.3, 0.6),
    )
    usage = Usage(rng.randint(10, 5000), rng.randint(10, 3000), rng.choice((0, 20_000)), 0, rng.randint(0, 80_000))
    if hit:
        record.original_usage, record.original_model = usage, model
    else:
        record.set_usage(usage)
    return record


def records(count: int) -> Iterator[RequestRecord]:
    """`count` requests spread over the last DAYS days, oldest first."""
    rng = random.Random(count)
    step = DAYS * 86400 / count
    start = NOW - DAYS * 86400
    for i in range(count):
        yield fake_record(rng, start + i * step + rng.random() * step)


def seed(path: Path, count: int) -> None:
    """Bulk insert through the store's own row and rollup code, many rows per transaction."""
    pricing = load_config().pricing
    db = new_database(path)
    db.connect()
    migrate(db)
    batch: list[RequestRecord] = []
    for record in records(count):
        batch.append(record)
        if len(batch) == CHUNK:
            _write(db, pricing, batch)
            batch = []
    if batch:
        _write(db, pricing, batch)
    db.close()


def _write(db: SqliteDatabase, pricing: PricingTable, batch: list[RequestRecord]) -> None:
    rows = [request_row(record, costing_of(pricing, record)) for record in batch]
    with db.atomic():
        insert_requests(db, rows)
        add_to_rollups(db, rows)


def database_for(count: int, directory: Path) -> Path:
    path = directory / f"bench-{count}.db"
    if not path.exists():
        started = time.perf_counter()
        seed(path, count)
        print(f"seeded {count:,} rows in {time.perf_counter() - started:.1f} s ({path})")
    return path


# --- timing -----------------------------------------------------------------------------------------


def timed(call: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float, float]:
    """(first, median, max) in ms."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return summary(times)


Numbers = tuple[float, float, float]


async def timed_async(call: Callable[[], Awaitable[None]], repeats: int = REPEATS) -> tuple[Numbers, Numbers]:
    """Wall-clock and UI-thread CPU time: the wall clock also counts waiting for the next frame tick."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.thread_time()
        await call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return summary(wall), summary(cpu)


def summary(times: list[float]) -> Numbers:
    return times[0], statistics.median(times), max(times)


def report(label: str, numbers: tuple[float, float, float], target: float | None = None) -> None:
    first, median, worst = numbers
    verdict = "" if target is None else ("  ok" if median < target else f"  OVER {target:.0f} ms")
    print(f"  {label:<40} first {first:8.1f}   median {median:8.1f}   max {worst:8.1f} ms{verdict}")


Views = tuple[CurrentView, CurrentView, MachineView, MachineView]


def bench_queries(project: str) -> Views:
    session = NOW - 3 * 3600
    report("current: query (hours today)", timed(lambda: data.query_current(project, NOW, session, "today")), 100)
    report("current: query (days, 30 days)", timed(lambda: data.query_current(project, NOW, session, "30d")), 100)
    report("machine: query", timed(lambda: data.query_machine(NOW)), 100)
    current_q = data.query_current(project, NOW, session, "today")
    machine_q = data.query_machine(NOW)
    report("current: view from results", timed(lambda: data.current_view(project, current_q, NOW, "today")))
    report("machine: view from results", timed(lambda: data.machine_view(machine_q, NOW)))
    # Two different views per tab, shown in turn, so every render really redraws (unchanged data is skipped).
    return (
        data.current_view(project, current_q, NOW, "today"),
        data.load_current(project, NOW, session, "30d"),
        data.machine_view(machine_q, NOW),
        data.load_machine(NOW - 86400),
    )


def make_app(db_path: Path, refresh_seconds: float = 3600.0) -> CcoApp:
    context = AppContext(
        base_url="http://127.0.0.1:9",
        db_path=db_path,
        project=PROJECTS[0],
        config=load_config(),
        log_handler=MemoryLogHandler(),
        log_file=None,
        viewer_mode=False,
        refresh_seconds=refresh_seconds,
    )
    return CcoApp(context)


async def settle(pilot: Pilot[None]) -> None:
    while not all(worker.is_finished for worker in pilot.app.workers):
        await pilot.pause(0.01)
    await pilot.pause()


async def painted(app: CcoApp, message: Message) -> None:
    """Post a loaded view and return once it has been applied and the screen repainted."""
    shown = app.views_shown
    app.post_message(message)
    while app.views_shown == shown:
        await asyncio.sleep(0)
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


async def bench_render(db_path: Path, views: Views) -> None:
    current, machine = itertools.cycle(views[:2]), itertools.cycle(views[2:])
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        async def show_current() -> None:
            await painted(app, CcoApp.CurrentLoaded(next(current)))

        wall, cpu = await timed_async(show_current)
        report("current: render, wall (post → painted)", wall)
        report("current: render, UI-thread CPU", cpu, 50)
        report_charts(app.current_pane)
        await pilot.press("2")
        await settle(pilot)

        async def show_machine() -> None:
            await painted(app, CcoApp.MachineLoaded(next(machine)))

        wall, cpu = await timed_async(show_machine)
        report("machine: render, wall (post → painted)", wall)
        report("machine: render, UI-thread CPU", cpu, 50)
        report_charts(app.machine_pane)


def report_charts(pane: Widget) -> None:
    """The plotext build of each chart on its own, at its on-screen size."""
    for chart in pane.query(ChartPlot):
        report(f"  plotext build {chart.id} ({chart.size.width}x{chart.size.height})", timed(chart.render))


async def bench_loop_lag(db_path: Path, seconds: float = 10.0) -> None:
    """Timer lateness on the UI loop with 100 req/s being written and a refresh every second."""
    writer = RecordWriter(db_path, load_config().pricing)
    writer.start()
    app = make_app(db_path, refresh_seconds=1.0)
    lags: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeder = asyncio.create_task(_feed(writer, seconds))
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await asyncio.sleep(0.010)
            lags.append((time.perf_counter() - started - 0.010) * 1000)
        await feeder
        shown = app.views_shown
    writer.stop()
    lags.sort()
    p99 = lags[int(len(lags) * 0.99)]
    print(
        f"  loop lag at 100 req/s + 1 s refresh: p50 {statistics.median(lags):.1f} ms, "
        f"p99 {p99:.1f} ms, max {lags[-1]:.1f} ms over {len(lags)} ticks; {shown} refreshes shown"
    )


async def _feed(writer: RecordWriter, seconds: float) -> None:
    rng = random.Random(5)
    for _ in range(int(seconds * 10)):
        for _ in range(10):
            writer.submit(fake_record(rng, time.time()))
        await asyncio.sleep(0.1)


def run(count: int, directory: Path, lag: bool) -> None:
    db_path = database_for(count, directory)
    open_database(db_path)
    print(f"\n{count:,} rows")
    asyncio.run(bench_render(db_path, bench_queries(PROJECTS[0])))
    if lag:
        asyncio.run(bench_loop_lag(db_path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--keep", type=Path, help="directory for the seeded databases (reused when present)")
    parser.add_argument("--no-lag", action="store_true", help="skip the loop-lag measurement")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="cco-dashboard-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    for count in args.rows:
        run(count, directory, lag=not args.no_lag)


if __name__ == "__main__":
    main()
