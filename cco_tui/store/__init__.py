"""The analytics store: request rows in SQLite or PostgreSQL, written by one thread, read by queries."""

from cco_tui.store.connect import open_database
from cco_tui.store.db import database
from cco_tui.store.record import RequestRecord, client_family
from cco_tui.store.target import DbTarget, db_target, default_db_target
from cco_tui.store.writer import RecordWriter, WriterStats

__all__ = [
    "DbTarget",
    "RecordWriter",
    "RequestRecord",
    "WriterStats",
    "client_family",
    "database",
    "db_target",
    "default_db_target",
    "open_database",
]
