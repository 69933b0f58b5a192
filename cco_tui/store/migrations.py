"""Schema versions, applied in order at start-up. The version lives in SQLite's `PRAGMA user_version`.

Steps are frozen DDL, not generated from the models: a model may grow later, and an old step must still
build the old schema that the next steps expect. Never edit a released step; append a new one.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import SqliteDatabase

from cco_tui.store.db import run_sql
from cco_tui.store.rollup import rebuild_rollups


class SchemaError(RuntimeError):
    """The database file was written by a newer cco than this one."""


_V1_REQUESTS = (
    """CREATE TABLE request (
        id INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL,
        ts REAL NOT NULL,
        project TEXT NOT NULL,
        project_path TEXT,
        session_id TEXT,
        client TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        requested_model TEXT NOT NULL,
        served_model TEXT,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        stream INTEGER NOT NULL,
        status INTEGER NOT NULL,
        error_type TEXT,
        is_error INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_write_5m_tokens INTEGER NOT NULL,
        cache_write_1h_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cost_usd REAL,
        unpriced INTEGER NOT NULL,
        saved_cache_usd REAL NOT NULL,
        saved_local_usd REAL NOT NULL,
        saved_prompt_cache_usd REAL NOT NULL,
        cache_status TEXT NOT NULL,
        cache_hit INTEGER NOT NULL,
        cache_lookup INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        latency_ms REAL,
        ttfb_ms REAL,
        upstream_ms REAL,
        overhead_ms REAL,
        latency_bucket INTEGER,
        request_bytes INTEGER NOT NULL,
        response_bytes INTEGER NOT NULL,
        original_model TEXT
    )""",
    # latency_bucket rides along so percentiles over raw rows at a range's edges read only the index
    "CREATE INDEX request_ts ON request (ts, latency_bucket)",
    "CREATE INDEX request_project_ts ON request (project, ts, latency_bucket)",
)

_ROLLUP_COLUMNS = """
        period INTEGER NOT NULL,
        project TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_write_5m_tokens INTEGER NOT NULL,
        cache_write_1h_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        unpriced INTEGER NOT NULL,
        saved_cache_usd REAL NOT NULL,
        saved_local_usd REAL NOT NULL,
        saved_prompt_cache_usd REAL NOT NULL,
        cache_hits INTEGER NOT NULL,
        cache_lookups INTEGER NOT NULL,
        latency_sum_ms REAL NOT NULL,
        latency_count INTEGER NOT NULL,
        last_ts REAL NOT NULL,
        PRIMARY KEY (period, project, provider, model)"""

_HISTOGRAM_COLUMNS = """
        scope TEXT NOT NULL,
        dim TEXT NOT NULL,
        period INTEGER NOT NULL,
        key TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (scope, dim, period, key, bucket)"""


def _v2_statements() -> list[str]:
    statements = [
        """CREATE TABLE project (
            name TEXT PRIMARY KEY NOT NULL, path TEXT, first_ts REAL NOT NULL, last_ts REAL NOT NULL
        )""",
    ]
    for table in ("rollup_hour", "rollup_day", "rollup_week"):
        statements.append(f"CREATE TABLE {table} ({_ROLLUP_COLUMNS}\n    ) WITHOUT ROWID")
        statements.append(f"CREATE INDEX {table}_project ON {table} (project, period)")
    for table in ("latency_day", "latency_week"):
        statements.append(f"CREATE TABLE {table} ({_HISTOGRAM_COLUMNS}\n    ) WITHOUT ROWID")
    return statements


def _v1_requests(db: SqliteDatabase) -> None:
    for statement in _V1_REQUESTS:
        run_sql(db, statement)


def _v2_rollups(db: SqliteDatabase) -> None:
    """Rollups and the project list, filled from the rows a version-1 file already holds."""
    for statement in _v2_statements():
        run_sql(db, statement)
    rebuild_rollups(db)


_V3_GOVERNANCE = (
    """CREATE TABLE access_key (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT,
        project TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        rpm INTEGER,
        tpm INTEGER,
        budget_usd REAL,
        budget_period TEXT,
        admin INTEGER NOT NULL,
        created_ts REAL NOT NULL,
        revoked_ts REAL
    )""",
    "ALTER TABLE request ADD COLUMN key_id TEXT",
    "ALTER TABLE request ADD COLUMN rule TEXT",  # the limit or budget that refused the request
    "CREATE INDEX request_key_ts ON request (key_id, ts)",
)


def _v3_governance(db: SqliteDatabase) -> None:
    """Access tokens (stored as hashes), and which token and which refusing rule each request had."""
    for statement in _V3_GOVERNANCE:
        run_sql(db, statement)


MIGRATIONS: tuple[Callable[[SqliteDatabase], None], ...] = (_v1_requests, _v2_rollups, _v3_governance)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: SqliteDatabase) -> int:
    return int(db.user_version)


def migrate(db: SqliteDatabase, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing steps up to `target` in one write transaction; returns the resulting version."""
    if schema_version(db) == target:
        return target  # the common case: no write lock taken, so viewers and readers never wait
    with db.atomic("IMMEDIATE"):  # two processes starting at once: the second waits, then sees it done
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise SchemaError(f"{db.database}: schema version {version} is newer than this cco ({SCHEMA_VERSION})")
        for step in MIGRATIONS[version:target]:
            step(db)
        run_sql(db, f"PRAGMA user_version = {max(version, target)}")
    return schema_version(db)
