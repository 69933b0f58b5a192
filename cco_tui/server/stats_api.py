"""GET /api/stats* , /api/projects, /api/requests, /api/sessions and /api/export: the analytics store over HTTP (JSON).

Queries block, so they run in threads (asyncio.to_thread); exports stream from a thread chunk by chunk.
Bad parameters get a 400 in Anthropic's error shape.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from quart import Blueprint, Response, request

from cco_tui.server.threaded_stream import stream_from_thread
from cco_tui.store import queries
from cco_tui.store.connect import open_database
from cco_tui.store.export import CONTENT_TYPES, EXPORT_FORMATS, encode_export, export_rows
from cco_tui.store.session_list import list_sessions
from cco_tui.store.target import DbTarget
from cco_tui.store.timespec import parse_time
from cco_tui.wire import content

MAX_LIMIT = 1000
DEFAULT_LIMIT = 50


class BadParameter(ValueError):
    """A query-string parameter cco cannot use; becomes a 400 invalid_request_error."""


def stats_blueprint(db_path: DbTarget | Path | str) -> Blueprint:
    blueprint = Blueprint("cco_stats", __name__)

    @blueprint.before_app_serving
    async def bind_database() -> None:
        await asyncio.to_thread(open_database, db_path)

    blueprint.register_error_handler(BadParameter, bad_parameter)
    for rule, view in (
        ("/api/stats", stats),
        ("/api/stats/timeseries", timeseries),
        ("/api/stats/by", by_dimension),
        ("/api/projects", projects),
        ("/api/requests", recent),
        ("/api/export", export),
        ("/api/sessions", sessions),
    ):
        blueprint.add_url_rule(rule, view_func=view, methods=["GET"])
    return blueprint


async def bad_parameter(error: BadParameter) -> Response:
    return invalid_request(str(error))


async def stats() -> Response:
    return json_response(await asyncio.to_thread(queries.totals, parse_filter(request.args)))


async def timeseries() -> Response:
    bucket = choice(request.args, "bucket", queries.BUCKET_SIZES)
    series = await asyncio.to_thread(queries.timeseries, parse_filter(request.args), bucket)
    return json_response({"bucket": bucket, "data": series})


async def by_dimension() -> Response:
    dim = choice(request.args, "dim", queries.DIMENSIONS)
    groups = await asyncio.to_thread(queries.breakdown, parse_filter(request.args), dim)
    return json_response({"dim": dim, "data": groups})


async def projects() -> Response:
    return json_response({"data": await asyncio.to_thread(queries.projects)})


async def recent() -> Response:
    limit = parse_limit(request.args.get("limit"))
    rows = await asyncio.to_thread(queries.recent, limit, request.args.get("project") or None)
    return json_response({"data": rows})


async def sessions() -> Response:
    """Claude Code sessions active in the range (default: the last 7 days), most recent first."""
    since = parse_time_arg(request.args, "since") or time.time() - 7 * 86400
    project, limit = request.args.get("project") or None, parse_limit(request.args.get("limit"))
    return json_response({"data": await asyncio.to_thread(list_sessions, since, project, limit)})


async def export() -> Response:
    """Streamed: rows are read and encoded in a thread, chunk by chunk, never held whole."""
    fmt = choice(request.args, "format", EXPORT_FORMATS)
    f = parse_filter(request.args)
    chunks = stream_from_thread(lambda: encode_export(export_rows(f), fmt))
    disposition = f'attachment; filename="cco-export.{fmt}"'
    return Response(chunks, content_type=CONTENT_TYPES[fmt], headers={"content-disposition": disposition})


def parse_filter(args: Mapping[str, str]) -> queries.Filter:
    return queries.Filter(
        project=args.get("project") or None,
        since=parse_time_arg(args, "since"),
        until=parse_time_arg(args, "until"),
    )


def parse_time_arg(args: Mapping[str, str], name: str) -> float | None:
    text = args.get(name)
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError as exc:
        raise BadParameter(f"{name}: {exc}") from None


def choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> Any:
    value = args.get(name) or allowed[0]
    if value not in allowed:
        raise BadParameter(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def parse_limit(text: str | None) -> int:
    if not text:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadParameter(f"limit must be an integer from 1 to {MAX_LIMIT} (got {text!r})")
    return int(text)


def json_response(payload: object, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type=content.JSON)


def invalid_request(message: str) -> Response:
    error = {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    return json_response(error, status=400)
