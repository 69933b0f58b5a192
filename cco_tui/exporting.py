"""Write recorded requests to a CSV or JSON file, streamed in chunks so a million rows never sit in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cco_tui.store.export import EXPORT_FORMATS, ExportFormat, encode_export
from cco_tui.store.queries import Filter, export_rows

FORMATS: tuple[str, ...] = EXPORT_FORMATS


def default_export_path(fmt: str, now: float, directory: Path | None = None) -> Path:
    stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
    return (directory or Path.cwd()) / f"cco-export-{stamp}.{fmt}"


def format_for(path: Path, fallback: ExportFormat = "csv") -> ExportFormat:
    suffix = path.suffix.lower().lstrip(".")
    return "json" if suffix == "json" else "csv" if suffix == "csv" else fallback


def write_export(path: Path, fmt: ExportFormat, f: Filter | None = None) -> int:
    """Blocking (run it in a thread): write every matching request and return how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counter = _Counter(export_rows(f))
    with path.open("wb") as handle:
        for chunk in encode_export(counter, fmt):
            handle.write(chunk)
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
