"""Export rows encoded as CSV or JSON, in chunks, so a large export never sits whole in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal

import orjson

from cco_tui.store.aggregate import Filter
from cco_tui.store.db import database
from cco_tui.store.models import RequestRow

# Columns of `cco export` (CSV header order, JSON object keys). Times are epoch seconds and ISO 8601 UTC.
EXPORT_COLUMNS: tuple[str, ...] = (
    "request_id",
    "time",
    "ts",
    "project",
    "project_path",
    "session_id",
    "agent_id",
    "parent_agent_id",
    "request_class",
    "agent_type",
    "client",
    "endpoint",
    "requested_model",
    "served_model",
    "provider",
    "stream",
    "status",
    "error_type",
    "input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "cost_usd",
    "billing",
    "unpriced",
    "saved_cache_usd",
    "saved_local_usd",
    "saved_prompt_cache_usd",
    "saved_routing_usd",
    "route",
    "route_reason",
    "cache_status",
    "attempts",
    "latency_ms",
    "ttfb_ms",
    "upstream_ms",
    "overhead_ms",
    "request_bytes",
    "response_bytes",
)


def export_rows(f: Filter | None = None) -> Iterator[dict[str, Any]]:
    """Request rows in the range, oldest first, keyed by EXPORT_COLUMNS. Consume it in a single thread."""
    f = f or Filter()
    r = RequestRow
    query = r.select().order_by(r.ts, r.id)
    conditions = [
        *([r.ts >= f.since] if f.since is not None else []),
        *([r.ts < f.until] if f.until is not None else []),
        *([r.project == f.project] if f.project is not None else []),
    ]
    if conditions:
        query = query.where(*conditions)
    columns = [field.name for field in query.selected_columns]
    with database.connection_context():
        for values in query.tuples().iterator():
            yield _export_row(dict(zip(columns, values, strict=True)))


def _export_row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {name: row.get(name) for name in EXPORT_COLUMNS}
    out["time"] = datetime.fromtimestamp(row["ts"], tz=UTC).isoformat(timespec="milliseconds")
    out["stream"] = bool(row["stream"])
    out["unpriced"] = bool(row["unpriced"])
    return out


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
