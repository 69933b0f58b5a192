"""The store on a real PostgreSQL: cco records to it, `cco stats` reads it, and outages cost no rows.

PostgreSQL is started by tests/servers.py (Debian's package, as the `postgres` user when we are root).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cco_tui.costs import PricingTable
from cco_tui.store import RecordWriter, RequestRecord
from cco_tui.store.connect import StoreUnavailable, open_database
from cco_tui.store.target import db_target
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import CcoProcess, headless_cco
from tests.fakes.serve import ThreadedServer
from tests.servers import PG_PASSWORD, PostgresServer, free_port
from tests.store.seeding import count

Upstream = tuple[FakeAnthropic, ThreadedServer]
BODY = {"model": "claude-x", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}


def _cco(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cco_tui", *args], capture_output=True, text=True, timeout=60)


def _send(cco: CcoProcess, n: int) -> list[int]:
    with httpx.Client(base_url=cco.url, headers={"x-api-key": "k"}, timeout=30) as client:
        return [
            client.post("/v1/messages", json={**BODY, "metadata": {"user_id": f"u{i}"}}).status_code for i in range(n)
        ]


def _unreachable_url() -> str:
    return f"postgresql://cco:{PG_PASSWORD}@127.0.0.1:{free_port()}/nothing"


def test_two_replicas_record_to_one_postgresql_and_cco_stats_counts_every_request(
    tmp_path: Path, fake_upstream: Upstream, postgres_url: str
) -> None:
    config = write_config(tmp_path / "c", fake_upstream[1].url)
    with (
        headless_cco(config, tmp_path / "unused-a.db", "--db", postgres_url) as a,
        headless_cco(config, tmp_path / "unused-b.db", "--db", postgres_url) as b,
    ):
        assert _send(a, 15) + _send(b, 10) == [200] * 25
        assert a.stop() == 0 and b.stop() == 0  # SIGTERM flushes each writer's queue
    assert not list(tmp_path.glob("unused-*.db"))  # nothing went to SQLite
    stats = _cco("stats", "--json", "--db", postgres_url)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["totals"]["requests"] == 25
    export = _cco("export", "--format", "csv", "--db", postgres_url)
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.strip().splitlines()) == 1 + 25  # header + rows


def test_postgresql_down_at_start_is_one_line_and_exit_2(tmp_path: Path, fake_upstream: Upstream) -> None:
    config = write_config(tmp_path / "c", fake_upstream[1].url)
    url = _unreachable_url()
    result = _cco("--headless", "--port", str(free_port()), "--config", str(config), "--db", url)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "unreachable" in lines[0] and "127.0.0.1" in lines[0]
    assert PG_PASSWORD not in result.stderr  # the URL is shown with its password masked
    stats = _cco("stats", "--db", url)
    assert stats.returncode == 1 and len(stats.stderr.strip().splitlines()) == 1 and PG_PASSWORD not in stats.stderr


def test_open_database_names_the_unreachable_server_without_its_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_database(_unreachable_url())
    assert "***" in str(caught.value) and PG_PASSWORD not in str(caught.value)


def _record(i: int) -> RequestRecord:
    return RequestRecord(request_id=f"r{i}", requested_model="claude-sonnet-4-5", provider="anthropic", status=200)


def _wait(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_writer_holds_rows_while_postgresql_is_down_and_drops_only_past_the_bound(
    postgres_server: PostgresServer, postgres_url: str, pricing: PricingTable
) -> None:
    writer = RecordWriter(postgres_url, pricing, queue_size=20, batch_size=5, flush_ms=10)
    writer.start()
    writer.submit(_record(0))
    _wait(lambda: writer.stats().written == 1)
    with postgres_server.stopped():
        accepted = sum(writer.submit(_record(i)) for i in range(1, 4))
        _wait(lambda: writer.stats().retrying)  # the batch in hand failed; the writer retries
        accepted += sum(writer.submit(_record(i)) for i in range(4, 101))
        down = writer.stats()
    assert writer.stop(60)
    final = writer.stats()
    assert down.retrying and down.queued == 20
    assert final.dropped == 100 - accepted > 0  # only what did not fit in the queue
    assert final.failed == 0 and not final.retrying
    assert final.written == 1 + accepted == count(postgres_url)


def test_postgresql_stopped_10_s_under_load_fails_no_request_and_loses_no_row(
    tmp_path: Path, fake_upstream: Upstream, postgres_server: PostgresServer, postgres_url: str
) -> None:
    config = write_config(tmp_path / "c", fake_upstream[1].url)
    statuses: list[int] = []
    probes: dict[str, list[Any]] = {"ready": [], "retrying": []}
    done = threading.Event()
    with headless_cco(config, tmp_path / "unused.db", "--db", postgres_url) as cco:

        def load() -> None:
            with httpx.Client(base_url=cco.url, headers={"x-api-key": "k"}, timeout=30) as client:
                while not done.is_set():
                    statuses.append(client.post("/v1/messages", json=BODY).status_code)
                    time.sleep(0.02)

        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            time.sleep(1)
            with postgres_server.stopped(seconds=10):
                time.sleep(3)
                probes["ready"].append(httpx.get(cco.url + "/health/ready", timeout=10).status_code)
                probes["retrying"].append(httpx.get(cco.url + "/health", timeout=5).json()["store"]["retrying"])
            time.sleep(2)
        finally:
            done.set()
            for worker in workers:
                worker.join(30)
        _wait(lambda: httpx.get(cco.url + "/health/ready", timeout=10).status_code == 200)
        store = httpx.get(cco.url + "/health", timeout=5).json()["store"]
        assert cco.stop() == 0
    assert len(statuses) > 200 and set(statuses) == {200}
    assert probes == {"ready": [503], "retrying": [True]}
    assert store["dropped"] == 0 and store["failed"] == 0
    assert count(postgres_url) == len(statuses)


def test_db_urls_parse_and_mask_passwords(tmp_path: Path) -> None:
    assert db_target(str(tmp_path / "a.db")).path == tmp_path / "a.db"
    assert db_target(f"sqlite://{tmp_path}/b.db").path == tmp_path / "b.db"
    pg = db_target("postgresql://me:s3cr%40t@db.internal:6543/cco?sslmode=require")
    assert pg.is_postgres and str(pg) == "postgresql://me:***@db.internal:6543/cco?sslmode=require"
    name, params = pg.postgres_params()
    assert name == "cco"
    assert params == {"host": "db.internal", "port": 6543, "user": "me", "password": "s3cr@t", "sslmode": "require"}


def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    """Three replicas starting at once: the advisory lock serialises them; each sees the current schema."""
    from cco_tui.store.db import new_database
    from cco_tui.store.migrations import SCHEMA_VERSION, migrate

    results: list[int | BaseException] = []

    def start() -> None:
        db = new_database(postgres_url)
        try:
            with db.connection_context():
                results.append(migrate(db))
        except BaseException as error:
            results.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [SCHEMA_VERSION] * 3
    assert count(postgres_url, "SELECT COUNT(*) FROM cco_schema_version") == 1
