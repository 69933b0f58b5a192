"""The analytics store: one SQLite database of request rows, written by one thread, read by queries."""

from cco_tui.store.connect import open_database
from cco_tui.store.db import database, default_db_path
from cco_tui.store.record import RequestRecord, client_family
from cco_tui.store.writer import RecordWriter, WriterStats

__all__ = [
    "RecordWriter",
    "RequestRecord",
    "WriterStats",
    "client_family",
    "database",
    "default_db_path",
    "open_database",
]
