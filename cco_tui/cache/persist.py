"""The optional persistent tier (`cache.persist: true`): cached answers kept in a SQLite file across restarts.

Memory stays the serving tier; this file is a write-behind copy, read once at start-up to warm the memory
cache. It is bounded like memory (bytes and TTL, oldest written first out) and private to the user (mode
0600: answers contain user content). It also keeps the scope secret, so credential scopes, and with them
the stored entries, stay reachable after a restart.

All methods block: call them from a thread (e.g. `asyncio.to_thread`); one lock serialises them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from cco_tui.cache.entry import CacheEntry
from cco_tui.cache.keys import KEY_FORMAT, new_scope_secret
from cco_tui.cache.store import ResponseCache

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    scope TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL, is_stream INTEGER NOT NULL,
    status INTEGER NOT NULL, content_type TEXT NOT NULL, usage TEXT NOT NULL, model TEXT NOT NULL,
    created_at REAL NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_age ON entries (created_at);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
_COLUMNS = "scope, key, body, is_stream, status, content_type, usage, model, created_at, size"


@dataclass(frozen=True, slots=True)
class Restored:
    """One entry read back, with its age so the memory cache can keep its original expiry."""

    scope: str
    key: str
    entry: CacheEntry
    age: float


class PersistentTier:
    """Entries by (scope, key) in one SQLite file, within `max_bytes` and `ttl_seconds`."""

    def __init__(
        self, path: Path, *, max_bytes: int, ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._db = self._connect()
        self._bytes = self._sum_sizes()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))  # private before SQLite writes a byte
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=wal")
        db.execute("PRAGMA synchronous=normal")
        db.executescript(SCHEMA)
        if self._meta(db, "key_format") != str(KEY_FORMAT).encode():
            db.execute("DELETE FROM entries")  # keys of another format can never match again
            self._set_meta(db, "key_format", str(KEY_FORMAT).encode())
        return db

    # -- public API ---------------------------------------------------------------------------------------

    def scope_secret(self) -> bytes:
        """The scope secret kept with the entries (made on first use)."""
        with self._lock:
            secret = self._meta(self._db, "scope_secret")
            if secret is None:
                secret = new_scope_secret()
                self._set_meta(self._db, "scope_secret", secret)
            return secret

    def save(self, scope: str, key: str, entry: CacheEntry) -> None:
        """Write (or replace) one entry, then drop the oldest entries while over the byte bound."""
        usage = orjson.dumps(dict(entry.usage)).decode()
        fields = (entry.body, entry.is_stream, entry.status, entry.content_type, usage, entry.model)
        row = (scope, key, *fields, entry.created_at, entry.size)
        with self._lock, self._transaction():
            self._bytes -= self._size_of(scope, key)
            self._db.execute(f"INSERT OR REPLACE INTO entries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
            self._bytes += entry.size
            self._trim()

    def load(self) -> list[Restored]:
        """Every live entry, oldest first (the order ResponseCache.put needs when given ages)."""
        with self._lock:
            self._delete_expired()
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY created_at").fetchall()
        now = self._clock()
        return [Restored(row[0], row[1], _entry_of(row), max(0.0, now - row[8])) for row in rows]

    def delete(self, scope: str, key: str) -> None:
        with self._lock:
            self._bytes -= self._size_of(scope, key)
            self._db.execute("DELETE FROM entries WHERE scope = ? AND key = ?", (scope, key))

    def clear(self) -> int:
        with self._lock:
            self._bytes = 0
            return self._db.execute("DELETE FROM entries").rowcount

    def stats(self) -> dict[str, int]:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM entries").fetchone()
            return {"entries": count, "bytes": self._bytes, "max_bytes": self.max_bytes}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- bounds -------------------------------------------------------------------------------------------

    def _trim(self) -> None:
        self._delete_expired()
        while self._bytes > self.max_bytes:
            oldest = self._db.execute("SELECT scope, key, size FROM entries ORDER BY created_at LIMIT 1").fetchone()
            if oldest is None:
                self._bytes = 0
                return
            self._db.execute("DELETE FROM entries WHERE scope = ? AND key = ?", oldest[:2])
            self._bytes -= oldest[2]

    def _delete_expired(self) -> None:
        cutoff = self._clock() - self.ttl_seconds
        deleted = self._db.execute("DELETE FROM entries WHERE created_at <= ? RETURNING size", (cutoff,))
        self._bytes -= sum(size for (size,) in deleted.fetchall())

    def _size_of(self, scope: str, key: str) -> int:
        row = self._db.execute("SELECT size FROM entries WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        return int(row[0]) if row else 0

    def _sum_sizes(self) -> int:
        return int(self._db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @staticmethod
    def _meta(db: sqlite3.Connection, name: str) -> bytes | None:
        row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    @staticmethod
    def _set_meta(db: sqlite3.Connection, name: str, value: bytes) -> None:
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))


def warm(cache: ResponseCache, restored: Iterable[Restored]) -> int:
    """Fill the memory cache from `PersistentTier.load()`; return how many entries it took."""
    return sum(cache.put(item.scope, item.key, item.entry, age=item.age) for item in restored)


def _entry_of(row: tuple[Any, ...]) -> CacheEntry:
    _, _, body, is_stream, status, content_type, usage, model, created_at, _ = row
    return CacheEntry(bytes(body), bool(is_stream), orjson.loads(usage), model, created_at, status, content_type)
