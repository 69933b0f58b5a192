"""The analytics database: a SQLite file in WAL mode (the default) or PostgreSQL, bound late by a DbTarget.

Peewee keeps one connection per thread: readers (queries.py, in worker threads) each open and close their
own around a query (from a small pool on PostgreSQL, where a connection costs a round trip and a backend);
the writer thread owns a separate write connection (writer.py). SQL written by hand here and in rows.py /
rollup.py / migrations.py stays in the common subset of both dialects, and the few differences (placeholders,
two-argument MAX/MIN, DDL types) are decided by `is_postgres`.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from peewee import SQL, Database, DatabaseProxy, Node, PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledPostgresqlDatabase

from cco_tui.store.target import DbTarget, db_target

BUSY_TIMEOUT_S = 10
PG_CONNECT_TIMEOUT_S = 5
PG_READ_POOL = 16  # reader threads at once (dashboard, stats API, CLI); each holds one while it queries
PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",  # readers never wait for the writer
    "synchronous": "normal",  # safe with WAL; an OS crash may lose the last commits, never corrupt
    "foreign_keys": 1,
    "cache_size": -16_000,  # KiB
    "mmap_size": 268_435_456,  # reads of a large file without copying pages into each connection
    "temp_store": "memory",
}

database = DatabaseProxy()  # bound by open_database(); the models use it
bind_lock = threading.Lock()
bound: list[DbTarget] = []  # the target `database` is bound to (at most one)


def is_postgres(db: Database | DatabaseProxy) -> bool:
    return isinstance(getattr(db, "obj", db), PostgresqlDatabase)


def new_database(target: DbTarget | Path | str, pooled: bool = False) -> Database:
    """A separate database object on the same store (the writer's own connection)."""
    t = db_target(target)
    if t.path is None:
        name, params = t.postgres_params()
        params.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
        params["prefer_psycopg3"] = True  # psycopg 3 even beside psycopg2: its executemany is pipelined
        if pooled:
            pool: Database = PooledPostgresqlDatabase(
                name, max_connections=PG_READ_POOL, stale_timeout=300, timeout=10, **params
            )  # timeout: a reader waits up to 10 s for a free connection instead of failing at once
            return pool
        return PostgresqlDatabase(name, **params)
    make_private(t.path)
    return SqliteDatabase(str(t.path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S)


def make_private(path: Path | str) -> None:
    """Create the file readable by its owner only (SQLite gives its -wal and -shm files the database's mode), and
    tighten files an older cco left world-readable: the rows say which projects the user works on and when."""
    target = Path(path)
    if str(target) in ("", ":memory:"):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_RDWR, 0o600))
    for suffix in ("", "-wal", "-shm"):
        companion = target.with_name(target.name + suffix)
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(0o600)


def run_sql(db: Database | DatabaseProxy, sql: str) -> None:
    """Run one statement (DDL, pragmas)."""
    db.execute_sql(sql)


def fetch_one(db: Database | DatabaseProxy, sql: str) -> tuple[object, ...] | None:
    row = db.execute_sql(sql).fetchone()
    return tuple(row) if row is not None else None


def run_many(db: Database | DatabaseProxy, sql: str, rows: Iterable[Sequence[object]]) -> None:
    """executemany on the database's connection: the writer's hot path, with no per-value Python work.

    psycopg 3 pipelines executemany (one round trip per batch), so this stays one call in both dialects."""
    batch = list(rows)
    if batch:
        db.cursor().executemany(sql, batch)


@functools.cache
def upsert_sql(
    table: str, columns: Sequence[str], conflict: Sequence[str] = (), update: str = "", pg: bool = False
) -> str:
    """INSERT of one row of `columns` (for executemany), adding to an existing row on a `conflict` key."""
    marks = ", ".join(["%s" if pg else "?"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    return f"{sql} ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {update}" if conflict else sql


def greatest(pg: bool) -> str:
    """The two-argument maximum: SQLite's scalar MAX(a, b) is PostgreSQL's GREATEST(a, b)."""
    return "GREATEST" if pg else "MAX"


def least(pg: bool) -> str:
    return "LEAST" if pg else "MIN"


def int_literal(value: int) -> Node:
    """An integer inlined in the SQL text. A bound parameter would make each rendering of an expression a
    different expression to PostgreSQL (server-side $n), so SELECT and GROUP BY of it would not match."""
    return SQL(str(int(value)))


def first_line(error: BaseException) -> str:
    """An error's first line, for one-line messages (drivers put hints and context on the lines after)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
