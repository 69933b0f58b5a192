"""Opening the analytics store: bind the shared database object to a SQLite file or a PostgreSQL database,
migrate its schema, and answer readiness pings."""

from __future__ import annotations

from pathlib import Path

from peewee import Database, DatabaseProxy, ImproperlyConfigured, InterfaceError, OperationalError
from playhouse.pool import PooledPostgresqlDatabase

from cco_tui.store.db import bind_lock, bound, database, first_line, make_private, new_database, run_sql
from cco_tui.store.migrations import migrate
from cco_tui.store.target import DbTarget, db_target


class StoreUnavailable(RuntimeError):
    """The configured database cannot be reached (message names it, password masked)."""


def open_database(target: DbTarget | Path | str) -> DatabaseProxy:
    """Bind the shared database to `target` (idempotent) and bring its schema up to date. Blocking.

    Raises StoreUnavailable when a PostgreSQL database cannot be reached."""
    t = db_target(target)
    if t.path is not None:
        make_private(t.path)
    with bind_lock:
        if not bound or bound[0] != t:
            previous = database.obj if bound else None
            database.initialize(new_database(t, pooled=True))
            bound[:] = [t]
            if previous is not None:
                _close_everywhere(previous)
    try:
        with database.connection_context():
            migrate(database)
    except (OperationalError, InterfaceError) as error:
        if t.is_postgres:
            raise StoreUnavailable(f"the database {t} is unreachable: {first_line(error)}") from None
        raise
    except ImproperlyConfigured:  # Peewee found no PostgreSQL driver
        raise StoreUnavailable(f"{t}: PostgreSQL needs its driver: pip install 'cco-tui[postgres]'") from None
    return database


def ping() -> None:
    """One trivial query on the shared database (readiness). Raises when the store cannot answer.

    A pooled PostgreSQL connection broken by a server restart fails once and is discarded: try a fresh one."""
    for attempt in range(2):
        try:
            with database.connection_context():
                run_sql(database, "SELECT 1")
            return
        except Exception:
            if attempt:
                raise


def _close_everywhere(db: Database) -> None:
    """Close a replaced database: this thread's connection, and every idle one of a pool."""
    db.close()
    if isinstance(db, PooledPostgresqlDatabase):
        db.close_all()
