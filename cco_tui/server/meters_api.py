"""The `credentials` part of GET /api/limits (limits_api.py): plan and rate-limit meters per credential.

Each credential: {"id": HMAC id, "kind": "subscription"|"api", "five_hour": {"utilization": percent,
"resets_at": ISO 8601}, "seven_day": {…}, "status", "representative_claim", "overage_status" (subscriptions);
"requests", "tokens", "input_tokens", "output_tokens": {"limit", "remaining", "resets_at"} (API keys);
"updated_at": ISO 8601}. Only what the upstream sent is present.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cco_tui.pipeline.meters import MeterBook
from cco_tui.store.meters import MeterSnapshot
from cco_tui.wire.ratelimits import to_document


def credentials_snapshot(meters: MeterBook) -> list[dict[str, Any]]:
    return [credential_document(snapshot) for snapshot in meters.snapshots()]


def credential_document(snapshot: MeterSnapshot) -> dict[str, Any]:
    document: dict[str, Any] = {"id": snapshot.credential}
    for key, value in to_document(snapshot.limits).items():
        document[key] = {**value, "resets_at": iso(value.get("resets_at"))} if isinstance(value, dict) else value
    document["updated_at"] = iso(snapshot.updated_at)
    return document


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")
