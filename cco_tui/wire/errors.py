"""Anthropic's error shape, for errors cco makes itself (as JSON bodies and as SSE `error` events)."""

from __future__ import annotations

import orjson

ERROR_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    415: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error_type_for(status: int) -> str:
    return ERROR_TYPE_BY_STATUS.get(status, "api_error" if status >= 500 else "invalid_request_error")


def error_document(status: int, message: str, error_type: str | None = None) -> dict[str, object]:
    return {"type": "error", "error": {"type": error_type or error_type_for(status), "message": message}}


def error_body(status: int, message: str, error_type: str | None = None) -> bytes:
    return orjson.dumps(error_document(status, message, error_type))


def error_event(status: int, message: str, error_type: str | None = None) -> bytes:
    """An SSE `error` event: how a stream that already sent its 200 reports a failure."""
    return b"event: error\ndata: " + error_body(status, message, error_type) + b"\n\n"


class ProxyError(Exception):
    """Raised anywhere in the pipeline; the handler turns it into an Anthropic-shaped response."""

    def __init__(
        self,
        status: int,
        message: str,
        error_type: str | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type or error_type_for(status)
        self.headers = headers or []  # e.g. retry-after on cco's own 429s

    def body(self) -> bytes:
        return error_body(self.status, self.message, self.error_type)

    def event(self) -> bytes:
        return error_event(self.status, self.message, self.error_type)
