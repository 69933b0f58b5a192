"""Run an ASGI app on a real loopback port in a background thread, for fakes and for cco itself in tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config


def _bound_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ThreadedServer:
    """Hypercorn on an ephemeral port, with its own event loop in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._sock = _bound_socket()
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> ThreadedServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        config = Config()
        config.bind = [f"fd://{self._sock.fileno()}"]
        config.graceful_timeout = 1
        config.accesslog = None
        config.errorlog = None
        self._ready.set()
        await serve(self.app, config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop (e.g. to flush state) and return its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def stop(self) -> None:
        """Graceful stop (the app's shutdown hooks run); calling it twice is harmless."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        with contextlib.suppress(OSError):  # hypercorn usually closed the descriptor already
            self._sock.close()


@contextmanager
def running(app: Any) -> Iterator[ThreadedServer]:
    server = ThreadedServer(app).start()
    try:
        yield server
    finally:
        server.stop()
