"""Helpers for the reliability suite: cco (in a thread or as a process) in front of the fake upstream, and its rows.

Rows are read from the real SQLite file after cco stopped (the writer flushes at shutdown), so a test sees
exactly what a user's database would hold.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.serve import ThreadedServer, running

BODY: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
KEY = {"x-api-key": "sk-ant-client"}


@contextmanager
def serve(
    tmp_path: Path,
    upstream: ThreadedServer,
    settings: dict[str, Any] | None = None,
    routes: list[dict[str, Any]] | None = None,
) -> Iterator[ThreadedServer]:
    config = load_config(str(write_config(tmp_path / "c", upstream.url, settings=settings, routes=routes)))
    with running(create_app(config, tmp_path / "cco.db")) as server:
        yield server


def rows(db: Path) -> list[dict[str, Any]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM request ORDER BY id")]


def anthropic_error(response: httpx.Response, status: int, error_type: str | None = None) -> str:
    """Assert `response` is an Anthropic-shaped error with this status; return its message."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    document = response.json()
    assert document["type"] == "error", document
    assert isinstance(document["error"]["message"], str)
    if error_type is not None:
        assert document["error"]["type"] == error_type, document
    return str(document["error"]["message"])


def raw_exchange(port: int, data: bytes, timeout: float = 5.0, half_close: bool = False) -> bytes:
    """Send raw bytes on a fresh connection and read until the server closes it or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            with_shutdown(sock)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def with_shutdown(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


def status_of(raw: bytes) -> int | None:
    """The status code of the first response in raw HTTP/1.x bytes."""
    if not raw.startswith(b"HTTP/1."):
        return None
    return int(raw.split(b" ", 2)[1])


def body_of(raw: bytes) -> Any:
    _head, _, body = raw.partition(b"\r\n\r\n")
    return json.loads(body) if body else None
