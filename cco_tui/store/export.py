"""Export rows encoded as CSV or JSON, in chunks, so a large export never sits whole in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Literal

import orjson

from cco_tui.store.queries import EXPORT_COLUMNS

ExportFormat = Literal["csv", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
ROWS_PER_CHUNK = 1000


def encode_export(rows: Iterable[dict[str, Any]], fmt: ExportFormat) -> Iterator[bytes]:
    """CSV with a header of EXPORT_COLUMNS, or one JSON array of objects."""
    return _csv_chunks(rows) if fmt == "csv" else _json_chunks(rows)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, ROWS_PER_CHUNK)):
        yield batch


def _csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for batch in _batches(rows):
        writer.writerows(map(_inert, batch))
        yield _take(buffer)
    yield _take(buffer)  # the header alone when there were no rows


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(row: dict[str, Any]) -> dict[str, Any]:
    """Text that a spreadsheet would run as a formula (a project named `=HYPERLINK(…)`) gets a leading quote."""
    return {key: _quoted(value) if isinstance(value, str) else value for key, value in row.items()}


def _quoted(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def _json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    separator = b"[\n"
    for batch in _batches(rows):
        yield separator + b",\n".join(orjson.dumps(row) for row in batch)
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"
