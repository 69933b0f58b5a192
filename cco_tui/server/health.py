"""Probes: /health (liveness: the process answers; the writer's counters ride along) and /health/ready
(readiness: the store answers a query, and every other dependency registered in `ServerState.readiness`,
e.g. Redis once it is configured, answers too). Neither is loopback-only: orchestrators probe from outside.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import orjson
from quart import Blueprint, Response

from cco_tui import __version__
from cco_tui.server.state import ReadinessCheck, ServerState
from cco_tui.store.connect import ping
from cco_tui.store.db import first_line

READY_TIMEOUT_S = 3.0  # under the probes' timeoutSeconds in deploy/kubernetes


def health_blueprint(state: ServerState) -> Blueprint:
    blueprint = Blueprint("cco_health", __name__)

    @blueprint.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "service": "cco",
            "version": __version__,
            "uptime_s": round(state.uptime_s(), 3),
            "store": dataclasses.asdict(state.writer.stats()),
        }

    @blueprint.get("/health/ready")
    async def ready() -> Response:
        checks = {"store": store_check, **state.readiness}
        results = dict(zip(checks, await asyncio.gather(*(_run(check) for check in checks.values())), strict=True))
        ok = all(result["ok"] for result in results.values())
        body = {"status": "ready" if ok else "not_ready", "service": "cco", "checks": results}
        return Response(orjson.dumps(body), status=200 if ok else 503, content_type="application/json")

    return blueprint


async def store_check() -> None:
    await asyncio.to_thread(ping)


async def _run(check: ReadinessCheck) -> dict[str, Any]:
    try:
        await asyncio.wait_for(check(), READY_TIMEOUT_S)
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {READY_TIMEOUT_S:g} s"}
    except Exception as error:  # any failure means not ready; the reason is shown, never a traceback
        return {"ok": False, "error": first_line(error)}
    return {"ok": True}
