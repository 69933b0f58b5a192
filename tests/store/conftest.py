from __future__ import annotations

import time
from pathlib import Path

import pytest

from cco_tui.costs import PricingTable, load_pricing_file, shipped_pricing_path
from cco_tui.server.metrics import Metrics
from cco_tui.store import open_database
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


@pytest.fixture
def seeded(seeded_file: Seeded) -> Seeded:
    """The seeded file, bound as the database the queries read."""
    open_database(seeded_file.path)
    return seeded_file


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    path = tmp_path / "cco.db"
    open_database(path)
    return path
