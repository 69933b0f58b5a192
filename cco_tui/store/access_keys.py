"""cco access tokens (virtual keys) in the `access_key` table, and the spend budgets are checked against.

A token is shown once, when it is made; the table keeps only its SHA-256 (the token has 256 random bits, so a
plain hash is enough: there is nothing to guess). All functions block: call them off the event loop.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cco_tui.store.db import database, is_postgres

TOKEN_PREFIX = "cco-"
_COLUMNS = "id, name, project, rpm, tpm, budget_usd, budget_period, admin, created_ts, revoked_ts"


@dataclass(frozen=True, slots=True)
class AccessKey:
    id: str
    name: str | None
    project: str
    rpm: int | None = None
    tpm: int | None = None
    budget_usd: float | None = None
    budget_period: str | None = None
    admin: bool = False
    created_ts: float = 0.0
    revoked_ts: float | None = None

    def public(self) -> dict[str, Any]:
        """Everything but the token, which is not stored anyway."""
        return asdict(self)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _key(row: tuple[Any, ...]) -> AccessKey:
    ident, name, project, rpm, tpm, usd, period, admin, created, revoked = row
    return AccessKey(ident, name, project, rpm, tpm, usd, period, bool(admin), created, revoked)


def create_key(
    project: str,
    name: str | None = None,
    *,
    rpm: int | None = None,
    tpm: int | None = None,
    budget: tuple[float, str] | None = None,
    admin: bool = False,
) -> tuple[AccessKey, str]:
    """A new key and its token (the only time the token exists outside the client)."""
    token = new_token()
    key = AccessKey(
        "key_" + secrets.token_hex(4),
        name,
        project,
        rpm,
        tpm,
        budget[0] if budget else None,
        budget[1] if budget else None,
        admin,
        time.time(),
    )
    with database.connection_context():
        _execute(
            f"INSERT INTO access_key ({_COLUMNS}, token_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*_values(key), token_hash(token)),
        )
    return key, token


def _values(key: AccessKey) -> tuple[Any, ...]:
    return (
        key.id,
        key.name,
        key.project,
        key.rpm,
        key.tpm,
        key.budget_usd,
        key.budget_period,
        int(key.admin),
        key.created_ts,
        key.revoked_ts,
    )


def list_keys() -> list[AccessKey]:
    with database.connection_context():
        cursor = _execute(f"SELECT {_COLUMNS} FROM access_key ORDER BY created_ts")
        return [_key(row) for row in cursor.fetchall()]


def revoke_key(key_id: str) -> bool:
    """False when no such key is active."""
    with database.connection_context():
        cursor = _execute(
            "UPDATE access_key SET revoked_ts = ? WHERE id = ? AND revoked_ts IS NULL", (time.time(), key_id)
        )
        return bool(cursor.rowcount)


def active_keys() -> dict[str, AccessKey]:
    """token hash → key, for every key not revoked."""
    with database.connection_context():
        cursor = _execute(f"SELECT token_sha256, {_COLUMNS} FROM access_key WHERE revoked_ts IS NULL")
        return {row[0]: _key(row[1:]) for row in cursor.fetchall()}


def find_key(digest: str) -> AccessKey | None:
    """The active key with this token hash (an indexed read)."""
    with database.connection_context():
        cursor = _execute(f"SELECT {_COLUMNS} FROM access_key WHERE token_sha256 = ? AND revoked_ts IS NULL", (digest,))
        row = cursor.fetchone()
    return _key(row) if row else None


@dataclass(frozen=True, slots=True)
class SpendQuery:
    """Recorded requests in [start, until): exact project/key when given, else the globs (`*` = any)."""

    start: float
    until: float
    project: str | None = None
    key_id: str | None = None
    project_glob: str = "*"
    key_glob: str = "*"
    model_glob: str = "*"


def recorded_spend(query: SpendQuery) -> float:
    clauses: list[str] = ["ts >= ?", "ts < ?"]
    params: list[float | str] = [query.start, query.until]
    for column, exact, glob in (
        ("project", query.project, query.project_glob),
        ("key_id", query.key_id, query.key_glob),
        ("model", None, query.model_glob),
    ):
        if exact is not None:
            clauses.append(f"{column} = ?")
            params.append(exact)
        if glob != "*":
            clauses.append(f"{column} {'LIKE' if is_postgres(database) else 'GLOB'} ?")
            params.append(glob_to_like(glob) if is_postgres(database) else glob)
    sql = f"SELECT COALESCE(SUM(cost_usd), 0) FROM request WHERE {' AND '.join(clauses)}"
    with database.connection_context():
        return float(_execute(sql, params).fetchone()[0])


def _execute(sql: str, params: Sequence[Any] = ()) -> Any:
    """SQL written with SQLite's `?` marks, run on either backend (psycopg wants `%s`)."""
    return database.execute_sql(sql.replace("?", "%s") if is_postgres(database) else sql, params)


def glob_to_like(glob: str) -> str:
    """A rule's `*`/`?` glob as a LIKE pattern (PostgreSQL has no GLOB); LIKE's own wildcards are escaped."""
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")
