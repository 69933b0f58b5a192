"""Where the analytics store lives: a SQLite file (the default) or a PostgreSQL database, named by a URL.

`--db` / `CCO_DB` accept `sqlite:///abs/path.db`, a plain file path (as before), or
`postgresql://user:pass@host:port/db` (`postgres://` too). The password never leaves this object in text
meant for people: str() and `display` mask it, so logs and error lines can name the database safely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import platformdirs

_POSTGRES_SCHEMES = ("postgresql", "postgres")


class DbUrlError(ValueError):
    """A --db / CCO_DB value that names no database cco can use."""


@dataclass(frozen=True, slots=True)
class DbTarget:
    kind: str  # "sqlite" | "postgresql"
    path: Path | None = None  # sqlite only
    url: str = ""  # postgresql only (with the password: never print it, use `display`)

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgresql"

    @property
    def display(self) -> str:
        """For messages: the path, or the URL with its password masked."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()

    def __str__(self) -> str:
        return self.display

    def postgres_params(self) -> tuple[str, dict[str, Any]]:
        """(database name, connect keywords) for Peewee's PostgresqlDatabase."""
        parts = urlsplit(self.url)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        for key, value in (("host", parts.hostname), ("port", parts.port), ("user", parts.username)):
            if value is not None:
                params[key] = value
        if parts.password is not None:
            params["password"] = unquote(parts.password)
        return unquote(parts.path.lstrip("/")) or "postgres", params


def db_target(value: DbTarget | Path | str) -> DbTarget:
    """Parse a --db value; a Path or a string without a scheme is a SQLite file."""
    if isinstance(value, DbTarget):
        return value
    if isinstance(value, Path) or "://" not in value:
        return DbTarget("sqlite", path=Path(value).expanduser())
    scheme = value.split("://", 1)[0].lower()
    if scheme == "sqlite":
        rest = value.split("://", 1)[1]
        if not rest or rest == "/":
            raise DbUrlError(f"{value!r}: a sqlite URL needs a file path, e.g. sqlite:///var/lib/cco/cco.db")
        return DbTarget("sqlite", path=Path(rest).expanduser())
    if scheme in _POSTGRES_SCHEMES:
        target = DbTarget("postgresql", url=value)
        try:
            target.postgres_params()  # a malformed host or port is a clear error now, not a traceback later
        except ValueError as error:
            shown = value.split("://", 1)[0] + "://…"  # the URL may hold a password, and it cannot be parsed to mask it
            raise DbUrlError(f"{shown}: not a usable PostgreSQL URL ({error})") from None
        return target
    raise DbUrlError(f"{value.split('://', 1)[0]}://…: unsupported database URL (sqlite:// or postgresql://)")


def beside_database(value: DbTarget | Path | str) -> Path:
    """A local file path that cco's side files (the price map copy) are kept next to: the SQLite file itself, or
    for a server database a `cco.db` name in the user data directory."""
    target = db_target(value)
    return target.path if target.path is not None else Path(platformdirs.user_data_dir("cco")) / "cco.db"


def default_db_target() -> DbTarget:
    """$CCO_DB, else cco.db in the user data directory."""
    configured = os.environ.get("CCO_DB")
    if configured:
        return db_target(configured)
    return DbTarget("sqlite", path=Path(platformdirs.user_data_dir("cco")) / "cco.db")
