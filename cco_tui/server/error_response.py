"""Anthropic-shaped error responses for the Quart side."""

from __future__ import annotations

from quart import Response

from cco_tui.wire import content
from cco_tui.wire.errors import error_body


def error_response(status: int, message: str, error_type: str | None = None) -> Response:
    return Response(error_body(status, message, error_type), status=status, content_type=content.JSON)
