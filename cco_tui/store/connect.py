"""Opening the analytics database: bind the shared database object to a file and migrate its schema."""

from __future__ import annotations

from pathlib import Path

from peewee import SqliteDatabase

from cco_tui.store.db import BUSY_TIMEOUT_S, PRAGMAS, bind_lock, database
from cco_tui.store.migrations import migrate


def open_database(path: Path | str) -> SqliteDatabase:
    """Bind the shared database to `path` (idempotent) and bring its schema up to date. Blocking."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    with bind_lock:
        if database.database != str(target):
            database.init(str(target), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S)
    with database.connection_context():
        migrate(database)
    return database
