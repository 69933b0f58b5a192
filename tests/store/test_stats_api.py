"""The Quart stats and metrics blueprints on real loopback HTTP, over the seeded database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from quart import Quart

from cco_tui.server.metrics import Metrics, metrics_blueprint
from cco_tui.server.stats_api import stats_blueprint
from cco_tui.store import queries
from cco_tui.store.export import EXPORT_COLUMNS
from tests.fakes.serve import ThreadedServer, running
from tests.store.seeding import Seeded


@pytest.fixture
def server(seeded: Seeded, seeded_metrics: Metrics) -> Iterator[ThreadedServer]:
    app = Quart(__name__)
    app.register_blueprint(stats_blueprint(seeded.path))
    app.register_blueprint(metrics_blueprint(seeded_metrics))
    with running(app) as srv:
        yield srv


def _get(server: ThreadedServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=30)


def test_stats_totals(server: ThreadedServer, seeded: Seeded) -> None:
    body = _get(server, "/api/stats").json()
    assert body["requests"] == len(seeded.records)
    expected = queries.totals()
    assert body["cost_usd"] == pytest.approx(expected.cost_usd)
    assert body["latency_p95_ms"] == expected.latency_p95_ms
    day = _get(server, "/api/stats", project="web", since="24h").json()
    assert 0 < day["requests"] < body["requests"]


def test_timeseries_and_breakdown(server: ThreadedServer, seeded: Seeded) -> None:
    series = _get(server, "/api/stats/timeseries", bucket="day", since="7d").json()
    assert series["bucket"] == "day" and 7 <= len(series["data"]) <= 8
    assert set(series["data"][0]) >= {"bucket_start", "requests", "cost_usd", "saved_usd", "input_tokens"}
    by_project = _get(server, "/api/stats/by", dim="project").json()
    assert {g["key"] for g in by_project["data"]} == {"web", "api", "infra"}
    assert sum(g["requests"] for g in by_project["data"]) == len(seeded.records)


def test_projects_and_recent(server: ThreadedServer) -> None:
    projects = _get(server, "/api/projects").json()["data"]
    assert {p["name"] for p in projects} == {"web", "api", "infra"}
    recent = _get(server, "/api/requests", limit="7", project="api").json()["data"]
    assert len(recent) == 7 and {r["project"] for r in recent} == {"api"}
    assert [r["ts"] for r in recent] == sorted((r["ts"] for r in recent), reverse=True)


@pytest.mark.parametrize(
    ("path", "params", "word"),
    [
        ("/api/stats", {"since": "yesterday-ish"}, "since"),
        ("/api/stats", {"until": "7x"}, "until"),
        ("/api/stats/timeseries", {"bucket": "week"}, "bucket"),
        ("/api/stats/by", {"dim": "colour"}, "dim"),
        ("/api/requests", {"limit": "0"}, "limit"),
        ("/api/requests", {"limit": "many"}, "limit"),
        ("/api/export", {"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_get_an_anthropic_shaped_400(
    server: ThreadedServer, path: str, params: dict[str, str], word: str
) -> None:
    response = _get(server, path, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert word in body["error"]["message"]


def test_csv_export_opens_in_the_csv_module(server: ThreadedServer, seeded: Seeded) -> None:
    with httpx.stream("GET", server.url + "/api/export", params={"format": "csv"}, timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        text = response.read().decode()
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    assert len(rows) == len(seeded.records)
    assert {row["request_id"] for row in rows} == {r.request_id for r in seeded.records}


def test_json_export_is_one_array(server: ThreadedServer, seeded: Seeded) -> None:
    response = _get(server, "/api/export", format="json", since="2d")
    rows = json.loads(response.content)
    assert rows and all(tuple(row) == EXPORT_COLUMNS for row in rows)
    assert all(row["ts"] >= seeded.now - 2 * 86400 - 5 for row in rows)


def test_metrics_count_what_the_writer_recorded(server: ThreadedServer, seeded: Seeded) -> None:
    response = _get(server, "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    requests = sum(s.value for s in families["cco_requests"].samples if s.name == "cco_requests_total")
    assert requests == len(seeded.records)
    cost = sum(s.value for s in families["cco_cost_usd"].samples if s.name == "cco_cost_usd_total")
    assert cost == pytest.approx(queries.totals().cost_usd)
    labels = {key for family in families.values() for sample in family.samples for key in sample.labels}
    assert labels <= {"model", "provider", "project", "status", "cache", "kind", "result", "le"}
