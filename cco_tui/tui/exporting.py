"""Write recorded requests to a CSV or JSON file, streamed in chunks so a million rows never sit in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cco_tui.store.export import EXPORT_FORMATS, ExportFormat, encode_export, export_rows
from cco_tui.store.queries import Filter
from cco_tui.store.target import DbTarget, beside_database

FORMATS: tuple[str, ...] = EXPORT_FORMATS


class ExportError(Exception):
    """The file could not be written; the message names the path and the reason."""


def export_dir(db_path: DbTarget | Path) -> Path:
    """Where exports go when no path is given: an `exports` folder next to the database being shown (for the
    default database, and for a server database, in the user data directory), never the working directory
    (usually the user's repository) and never the user data directory when `--db` put a file elsewhere."""
    return beside_database(db_path).absolute().parent / "exports"


def default_export_path(fmt: str, now: float, db_path: DbTarget | Path) -> Path:
    stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
    return export_dir(db_path) / f"cco-export-{stamp}.{fmt}"


def format_for(path: Path, fallback: ExportFormat = "csv") -> ExportFormat:
    suffix = path.suffix.lower().lstrip(".")
    return "json" if suffix == "json" else "csv" if suffix == "csv" else fallback


def export_requests(path: Path, db_path: DbTarget | Path, fmt: ExportFormat | None = None) -> str:
    """The one export flow (the e key, the palette and the Terminal's `export`). Blocking: run it in a thread.
    Returns what to tell the user, which names the file; raises ExportError."""
    path = path.expanduser().absolute()
    written = write_export(path, fmt or format_for(path), exports=export_dir(db_path))
    return f"Exported {written} requests to {path}"


def write_export(path: Path, fmt: ExportFormat, f: Filter | None = None, *, exports: Path | None = None) -> int:
    """Blocking (run it in a thread): write every matching request and return how many were written.

    Only cco's own export folder (`exports`) is created; a folder the user named must exist (a typo must not
    leave new directories behind).
    """
    if exports is not None and path.parent == exports:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {path.parent} does not exist.")
    counter = _Counter(export_rows(f))
    try:
        with path.open("wb") as handle:
            for chunk in encode_export(counter, fmt):
                handle.write(chunk)
    except OSError as exc:
        raise ExportError(f"Cannot export to {path}: {exc.strerror or exc}.") from exc
    return counter.count


class _Counter:
    """Passes rows through and counts them."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._rows:
            self.count += 1
            yield row
