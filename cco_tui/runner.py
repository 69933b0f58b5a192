"""One asyncio loop: Hypercorn serves the Quart app as a task beside the Textual app (or alone, headless).

This module never imports Textual at import time: the TUI is imported only on the TUI path.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import ssl
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from cco_tui.config.logs import find_memory_handler, setup_headless_logging, setup_tui_logging
from cco_tui.config.settings import Config
from cco_tui.config.tls import TlsFiles, client_trust
from cco_tui.server.app import create_app
from cco_tui.server.state import ServerState
from cco_tui.store.connect import open_database
from cco_tui.store.target import DbTarget, db_target
from cco_tui.tui.context import AppContext
from cco_tui.tui.web_options import ViewerArgs, WebOptions

log = logging.getLogger("cco")
# SIGHUP too: closing the terminal must flush the analytics queue like any other stop, not kill the process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_AFTER_INTERRUPT_S = 1.5  # for interrupted requests to send their error and for their rows to be queued


@dataclass(frozen=True, slots=True)
class RunOptions:
    host: str
    port: int
    db_path: DbTarget
    project: str
    log_level: str
    log_file: Path | None
    tls: TlsFiles | None = None  # HTTPS on our port
    ca_file: Path | None = None  # a private CA the dashboard trusts when it talks to an HTTPS cco
    web: WebOptions | None = None  # --web: the dashboard is also served as a web page
    viewer: bool = False  # a browser tab's dashboard, started by `cco --web`: shows, never serves


class PortInUse(Exception):
    def __init__(self, host: str, port: int, flag: str = "--port") -> None:
        super().__init__(f"port {port} on {host} is already in use; choose another with {flag}")
        self.host, self.port = host, port


def bind_socket(host: str, port: int, flag: str = "--port") -> socket.socket:
    """Bind ourselves so a busy port is a clear message, not a traceback from deep inside Hypercorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, flag) from None
        raise
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def hypercorn_config(sock: socket.socket, config: Config, tls: TlsFiles | None) -> HypercornConfig:
    hc = HypercornConfig()
    hc.bind = [f"fd://{sock.fileno()}"]
    if tls is not None:  # Hypercorn's context: TLS 1.2 or newer, ALPN h2 and http/1.1
        hc.certfile, hc.keyfile = str(tls.cert), str(tls.key)
    # cco ends unfinished requests itself at shutdown_timeout_s (server/shutdown.py); Hypercorn's own cut comes later.
    hc.graceful_timeout = config.settings.shutdown_timeout_s + GRACE_AFTER_INTERRUPT_S
    hc.accesslog = None  # an access line per request would cost more than the proxying itself
    hc.errorlog = logging.getLogger("hypercorn.error")
    hc.keep_alive_timeout = 75
    # The upstream's own Date is relayed (cco adds one when it has none); the upstream's Server is dropped.
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
        self._interrupt: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(serve(self.app, self._hc, shutdown_trigger=self._stop.wait))

    def request_stop(self) -> None:
        """Stop accepting; unfinished requests get shutdown_timeout_s, then are ended cleanly (server/shutdown.py)."""
        self._stop.set()
        if self._interrupt is None:
            state: ServerState = self.app.extensions["cco"]
            delay = self.config.settings.shutdown_timeout_s
            self._interrupt = asyncio.get_running_loop().call_later(delay, state.requests.interrupt_all)

    async def wait(self) -> None:
        assert self._task is not None
        await self._task

    async def stop(self) -> None:
        """Open streams get `shutdown_timeout_s` to finish; then the task is cancelled, never awaited forever."""
        self.request_stop()
        if self._task is None:
            return
        try:
            timeout = self.config.settings.shutdown_timeout_s + GRACE_AFTER_INTERRUPT_S + 2
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
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
        web_url=None if options.web is None else options.web.url,
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
    return await _cco_answer(options, "/health") is not None


async def served_database(options: RunOptions) -> DbTarget | None:
    """The SQLite file the cco serving the port records into. None from a cco too old to say, or one on a
    server database: /api/info masks its password, so the viewer keeps its own --db (the same URL)."""
    answer = await _cco_answer(options, "/api/info")
    database = answer.get("database") if answer else None
    path = database.get("path") if isinstance(database, dict) else None
    return db_target(Path(path)) if isinstance(path, str) and path else None


async def _cco_answer(options: RunOptions, path: str) -> dict[str, object] | None:
    try:
        async with httpx.AsyncClient(timeout=2, verify=client_verify(options)) as client:
            response = await client.get(base_url(options) + path)
        answer = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    is_cco = response.status_code == 200 and isinstance(answer, dict) and answer.get("service") == "cco"
    return answer if is_cco else None


async def viewer_options(options: RunOptions) -> RunOptions:
    """A viewer shows the serving cco's data: its database, not the one this process would have opened."""
    served = await served_database(options)
    if served is None or served == options.db_path:
        return options
    log.info("viewer mode: showing %s, the database of the cco serving port %d", served, options.port)
    return replace(options, db_path=served)


def web_dashboard(config: Config, options: RunOptions) -> contextlib.AbstractAsyncContextManager[object]:
    """`--web`: the dashboard as a web page beside the proxy, for as long as the proxy (or the TUI) runs."""
    if options.web is None:
        return contextlib.nullcontext()
    sock = bind_socket(options.web.host, options.web.port, "--web-port")
    from cco_tui.tui.web import serving_dashboard  # aiohttp and textual-serve are imported only with --web

    target = db_target(options.db_path)
    if target.is_postgres:
        os.environ["CCO_DB"] = target.url  # inherited by each tab's process; a password never goes on a command line
    fields = (options.host, options.port, target, options.project, options.log_level, options.log_file)
    viewer = ViewerArgs(*fields, config_dir=config.config_dir, tls=options.tls, ca_file=options.ca_file)
    return serving_dashboard(viewer, options.web, sock)


async def launch_headless(config: Config, options: RunOptions) -> int:
    setup_headless_logging(options.log_level)
    sock = bind_socket(options.host, options.port)
    async with web_dashboard(config, options):
        return await run_headless(config, options, sock)


async def launch(config: Config, options: RunOptions, headless: bool) -> int:
    if options.viewer:  # a browser tab's dashboard: the serving cco passed its own database
        await asyncio.to_thread(open_database, options.db_path)
        assert options.log_file is not None
        setup_tui_logging(options.log_level, options.log_file)
        return await run_tui(config, options, None, viewer=True)
    if headless:
        await asyncio.to_thread(open_database, options.db_path)
        return await launch_headless(config, options)
    try:
        sock: socket.socket | None = bind_socket(options.host, options.port)
    except PortInUse:
        if not await is_cco_serving(options):
            raise
        sock = None  # viewer mode: the other cco serves, we show its database
        options = await viewer_options(options)
    # Migrate once, before the writer thread and the dashboard both open the file and race to do it.
    await asyncio.to_thread(open_database, options.db_path)
    assert options.log_file is not None
    setup_tui_logging(options.log_level, options.log_file)
    async with web_dashboard(config, options):
        return await run_tui(config, options, sock, viewer=sock is None)
