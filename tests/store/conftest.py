from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from cco_tui.costs import PricingTable, load_pricing_file, shipped_pricing_path
from cco_tui.server.metrics import Metrics
from cco_tui.store import open_database
from tests.servers import PostgresServer
from tests.store.seeding import Seeded, make_records, write_records

SEEDED_COUNT = 3000
SEEDED_SPAN_S = 10 * 86400


@pytest.fixture(scope="session")
def pricing() -> PricingTable:
    return load_pricing_file(shipped_pricing_path())


@pytest.fixture(scope="session")
def seeded_metrics() -> Metrics:
    return Metrics()


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory, pricing: PricingTable, seeded_metrics: Metrics) -> Seeded:
    path = tmp_path_factory.mktemp("seeded") / "cco.db"
    now = time.time()
    records = make_records(SEEDED_COUNT, now, SEEDED_SPAN_S)
    stats = write_records(path, records, pricing, seeded_metrics)
    return Seeded(path, now, records, stats)


@pytest.fixture(scope="session")
def seeded_postgres(seeded_file: Seeded, postgres_server: PostgresServer, pricing: PricingTable) -> Seeded:
    """The same records written through the writer into PostgreSQL; the SQLite file stays the plain-SQL oracle."""
    url = postgres_server.create_database()
    return dataclasses.replace(seeded_file, target=url, stats=write_records(url, seeded_file.records, pricing))


@pytest.fixture
def seeded(seeded_file: Seeded) -> Seeded:
    """The seeded file, bound as the database the queries read."""
    open_database(seeded_file.path)
    return seeded_file


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_any(request: pytest.FixtureRequest, seeded_file: Seeded) -> Seeded:
    """The seeded records in each backend, bound as the database the queries read."""
    chosen: Seeded = seeded_file if request.param == "sqlite" else request.getfixturevalue("seeded_postgres")
    if chosen.target is not None and not request.getfixturevalue("postgres_server").ready():
        request.getfixturevalue("postgres_server").start()
    open_database(chosen.store)
    return chosen


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """An empty store of each kind, bound as the database the queries read."""
    target: Path | str = tmp_path / "cco.db"
    if request.param == "postgresql":
        target = request.getfixturevalue("postgres_url")
    open_database(target)
    return target


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    path = tmp_path / "cco.db"
    open_database(path)
    return path
