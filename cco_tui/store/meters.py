"""The latest plan and rate-limit meters per credential, kept in the database for `cco stats`, the dashboard
and the statusline; and the secret that names credentials (an HMAC of the key, never the key).

The table holds one row per credential id: its kind, when it was seen, and the meters as JSON
(wire.ratelimits.to_document: utilization in percent, times in epoch seconds).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from peewee import Database

from cco_tui.store.db import database, fetch_one, first_line, is_postgres, new_database, run_many, run_sql, upsert_sql
from cco_tui.store.migrations import migrate
from cco_tui.store.target import DbTarget
from cco_tui.wire.ratelimits import RateLimits, from_document, to_document

log = logging.getLogger("cco.meters")
SECRET_NAME = "credential_hmac"
_COLUMNS = ("id", "kind", "updated_ts", "detail")
_UPDATE = (
    "kind = excluded.kind, detail = excluded.detail, updated_ts = excluded.updated_ts"
    " WHERE excluded.updated_ts >= credential_meter.updated_ts"
)
_SELECT = "SELECT id, updated_ts, detail FROM credential_meter"


@dataclass(frozen=True, slots=True)
class MeterSnapshot:
    """One credential's meters as last seen: `credential` is an HMAC id, never the key."""

    credential: str
    limits: RateLimits
    updated_at: float  # epoch seconds


def save_meters(db: Database, snapshots: Iterable[MeterSnapshot]) -> None:
    """Upsert the latest snapshot per credential (inside the caller's transaction; the writer thread)."""
    rows = [
        (s.credential, s.limits.kind, s.updated_at, orjson.dumps(to_document(s.limits)).decode()) for s in snapshots
    ]
    run_many(db, upsert_sql("credential_meter", _COLUMNS, ("id",), _UPDATE, pg=is_postgres(db)), rows)


def latest_meters(limit: int = 20) -> list[MeterSnapshot]:
    """The most recently updated credentials first. Blocking; open_database() must have run."""
    with database.connection_context():
        cursor = database.execute_sql(f"{_SELECT} ORDER BY updated_ts DESC LIMIT {int(limit)}")
        return [snapshot(row) for row in cursor.fetchall()]


def snapshot(row: tuple[Any, ...]) -> MeterSnapshot:
    credential, updated, detail = row
    return MeterSnapshot(credential, from_document(orjson.loads(detail)), float(updated))


def load_meter_state(target: DbTarget | Path | str) -> tuple[bytes, list[MeterSnapshot]] | None:
    """The persisted credential secret (made on first use) and the stored meters; None (logged) when the
    store cannot be read now: meters then start empty under a per-process secret. Blocking."""
    db = new_database(target)
    try:
        db.connect()
        migrate(db)
        with db.atomic():
            secret = _secret(db)
        return secret, [snapshot(row) for row in db.execute_sql(_SELECT).fetchall()]  # type: ignore[no-untyped-call]
    except Exception as error:
        log.warning("plan meters: could not read the stored meters (%s); starting empty", first_line(error))
        return None
    finally:
        db.close()


def _secret(db: Database) -> bytes:
    fresh = secrets.token_hex(32)  # hex digits only: safe inline, and the same SQL in both dialects
    run_sql(
        db, f"INSERT INTO cco_secret (name, value) VALUES ('{SECRET_NAME}', '{fresh}') ON CONFLICT (name) DO NOTHING"
    )
    row = fetch_one(db, f"SELECT value FROM cco_secret WHERE name = '{SECRET_NAME}'")
    assert row is not None  # inserted just above
    return bytes.fromhex(str(row[0]))
