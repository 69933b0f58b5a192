"""One asyncio loop: Hypercorn serves the Quart app as a task beside the Textual app (or alone, headless).

This module never imports Textual at import time: the TUI is imported only on the TUI path.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from cco_tui.config.logs import find_memory_handler, setup_headless_logging, setup_tui_logging
from cco_tui.config.settings import Config
from cco_tui.config.tls import TlsFiles, client_trust
from cco_tui.server.app import create_app
from cco_tui.store.connect import open_database
from cco_tui.tui.context import AppContext

log = logging.getLogger("cco")
# SIGHUP too: closing the terminal must flush the analytics queue like any other stop, not kill the process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True, slots=True)
class RunOptions:
    host: str
    port: int
    db_path: Path
    project: str
    log_level: str
    log_file: Path | None
    tls: TlsFiles | None = None  # HTTPS on our port
    ca_file: Path | None = None  # a private CA the dashboard trusts when it talks to an HTTPS cco


class PortInUse(Exception):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is already in use; choose another with --port")
        self.host, self.port = host, port


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind ourselves so a busy port is a clear message, not a traceback from deep inside Hypercorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def hypercorn_config(sock: socket.socket, config: Config, tls: TlsFiles | None) -> HypercornConfig:
    hc = HypercornConfig()
    hc.bind = [f"fd://{sock.fileno()}"]
    if tls is not None:  # Hypercorn's context: TLS 1.2 or newer, ALPN h2 and http/1.1
        hc.certfile, hc.keyfile = str(tls.cert), str(tls.key)
    hc.graceful_timeout = config.settings.shutdown_timeout_s
    hc.accesslog = None  # an access line per request would cost more than the proxying itself
    hc.errorlog = logging.getLogger("hypercorn.error")
    hc.keep_alive_timeout = 75
    # The upstream's own Date and Server are relayed; Hypercorn adding its own would duplicate them.
    hc.include_date_header = False
    hc.include_server_header = False
    return hc


class Server:
    """The proxy as a task on the running loop, with a bounded shutdown."""

    def __init__(self, config: Config, options: RunOptions, sock: socket.socket) -> None:
        self.config = config
        self.app = create_app(config, options.db_path, options.host)
        self._hc = hypercorn_config(sock, config, options.tls)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(serve(self.app, self._hc, shutdown_trigger=self._stop.wait))

    def request_stop(self) -> None:
        self._stop.set()

    async def wait(self) -> None:
        assert self._task is not None
        await self._task

    async def stop(self) -> None:
        """Open streams get `shutdown_timeout_s` to finish; then the task is cancelled, never awaited forever."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.config.settings.shutdown_timeout_s + 2)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


async def run_headless(config: Config, options: RunOptions, sock: socket.socket) -> int:
    server = Server(config, options, sock)
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, server.request_stop)
    server.start()
    log.info("cco listening on %s (headless)", base_url(options))
    await server.wait()
    await server.stop()
    log.info("cco stopped")
    return 0


async def run_tui(config: Config, options: RunOptions, sock: socket.socket | None, viewer: bool) -> int:
    from cco_tui.app import run_app  # Textual is imported only here

    server = None if sock is None else Server(config, options, sock)
    if server is not None:
        server.start()
    try:
        token = None if server is None else server.app.extensions["cco"].dashboard_token
        await run_app(app_context(config, options, viewer, token))
    finally:
        if server is not None:
            await server.stop()
    return 0


def app_context(config: Config, options: RunOptions, viewer: bool, api_token: str | None = None) -> AppContext:
    return AppContext(
        base_url=base_url(options),
        verify=client_verify(options),
        db_path=options.db_path,
        project=options.project,
        config=config,
        log_handler=find_memory_handler(),
        log_file=options.log_file,
        viewer_mode=viewer,
        refresh_seconds=config.settings.refresh_seconds,
        api_token=api_token,
    )


def display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def base_url(options: RunOptions) -> str:
    scheme = "https" if options.tls is not None else "http"
    return f"{scheme}://{display_host(options.host)}:{options.port}"


def client_verify(options: RunOptions) -> ssl.SSLContext | bool:
    return client_trust(options.ca_file, options.tls)


async def is_cco_serving(options: RunOptions) -> bool:
    """Another cco on the port means we can open the dashboard in viewer mode instead of failing."""
    try:
        async with httpx.AsyncClient(timeout=2, verify=client_verify(options)) as client:
            response = await client.get(base_url(options) + "/health")
        return response.status_code == 200 and response.json().get("service") == "cco"
    except (httpx.HTTPError, ValueError):
        return False


async def launch(config: Config, options: RunOptions, headless: bool) -> int:
    # Migrate once, before the writer thread and the dashboard both open the file and race to do it.
    await asyncio.to_thread(open_database, options.db_path)
    if headless:
        setup_headless_logging(options.log_level)
        return await run_headless(config, options, bind_socket(options.host, options.port))
    try:
        sock: socket.socket | None = bind_socket(options.host, options.port)
    except PortInUse:
        if not await is_cco_serving(options):
            raise
        sock = None  # viewer mode: the other cco serves, we show the shared database
    assert options.log_file is not None
    setup_tui_logging(options.log_level, options.log_file)
    return await run_tui(config, options, sock, viewer=sock is None)
