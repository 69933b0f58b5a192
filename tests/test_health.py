"""/health (liveness, with the writer's counters) and /health/ready (the store, plus registered dependencies)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.fakes.serve import ThreadedServer, running


def test_health_carries_the_writer_counters(cco: ThreadedServer) -> None:
    body = httpx.get(cco.url + "/health", timeout=10).json()
    assert body["status"] == "ok"
    assert set(body["store"]) == {"queued", "written", "dropped", "failed", "retrying"}
    assert body["store"]["dropped"] == 0 and body["store"]["retrying"] is False
    metrics = httpx.get(cco.url + "/metrics", timeout=10).text
    assert "cco_store_dropped_records 0.0" in metrics and "cco_store_unreachable 0.0" in metrics


def test_ready_fails_when_a_registered_dependency_fails_and_names_it(config_dir: Path, db_path: Path) -> None:
    app = create_app(load_config(str(config_dir)), db_path)

    async def redis_down() -> None:
        raise ConnectionError("redis://cache:6379: connection refused")

    async def redis_hangs() -> None:
        await asyncio.sleep(60)

    state = app.extensions["cco"]
    with running(app) as server:
        assert httpx.get(server.url + "/health/ready", timeout=10).status_code == 200
        state.readiness["redis"] = redis_down
        response = httpx.get(server.url + "/health/ready", timeout=10)
        assert response.status_code == 503
        assert response.json()["checks"] == {
            "store": {"ok": True},
            "redis": {"ok": False, "error": "redis://cache:6379: connection refused"},
        }
        state.readiness["redis"] = redis_hangs
        slow = httpx.get(server.url + "/health/ready", timeout=10)
        assert slow.status_code == 503 and "no answer within 3 s" in slow.json()["checks"]["redis"]["error"]
        assert httpx.get(server.url + "/health", timeout=10).status_code == 200  # liveness does not depend on it
