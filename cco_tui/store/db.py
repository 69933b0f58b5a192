"""The machine-wide analytics database: one SQLite file in WAL mode, bound late so tests use a temp file.

Peewee keeps one connection per thread: readers (queries.py, in worker threads) each open and close their
own around a query; the writer thread owns a separate write connection (writer.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import platformdirs
from peewee import SqliteDatabase

BUSY_TIMEOUT_S = 10
PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",  # readers never wait for the writer
    "synchronous": "normal",  # safe with WAL; an OS crash may lose the last commits, never corrupt
    "foreign_keys": 1,
    "cache_size": -16_000,  # KiB
    "mmap_size": 268_435_456,  # reads of a large file without copying pages into each connection
    "temp_store": "memory",
}

database = SqliteDatabase(None)  # bound by open_database(); the models use it
bind_lock = threading.Lock()


def default_db_path() -> Path:
    """$CCO_DB, else cco.db in the user data directory."""
    configured = os.environ.get("CCO_DB")
    return Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir("cco")) / "cco.db"


def new_database(path: Path | str) -> SqliteDatabase:
    """A separate database object on the same file (the writer's own connection)."""
    return SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S)


def run_sql(db: SqliteDatabase, sql: str) -> None:
    """Run one statement (DDL, pragmas); Peewee's stubs leave execute_sql untyped."""
    db.execute_sql(sql)  # type: ignore[no-untyped-call]


def run_many(db: SqliteDatabase, sql: str, rows: Iterable[Sequence[object]]) -> None:
    """executemany on the database's connection: the writer's hot path, with no per-value Python work."""
    db.cursor().executemany(sql, rows)  # type: ignore[no-untyped-call]


def upsert_sql(table: str, columns: Sequence[str], conflict: Sequence[str] = (), update: str = "") -> str:
    """INSERT of one row of `columns` (for executemany), adding to an existing row on a `conflict` key."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return f"{sql} ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {update}" if conflict else sql
