"""`cco --web`: the Textual dashboard as a web page.

textual-serve's client (xterm.js) runs in the browser; every websocket gets its own dashboard process in viewer
mode (`cco --viewer`, Textual's web driver on its stdin/stdout), which reads the shared database and this cco's
API exactly like a second `cco` in a terminal. We use textual-serve's process protocol (AppService) and its static
files, but serve them ourselves on the running loop, behind the same Host and Origin rules as the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import shlex
import socket
import string
import sys
import threading
import webbrowser
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import textual_serve
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.typedefs import Handler
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from cco_tui.pipeline.guard import AccessPolicy
from cco_tui.tui.web_options import ViewerArgs, WebOptions

log = logging.getLogger("cco.web")
STATIC_DIR = Path(textual_serve.__file__).parent / "static"
PAGE = string.Template((Path(__file__).parent / "web_page.html").read_text(encoding="utf-8"))
STOP_TIMEOUT_S = 5.0
MAX_SESSIONS = 16  # one Python process each: a page reloading in a loop must not fork the machine to death
FONT_SIZE = 16
# Loopback names only: the machine's own name is not accepted here, since this port never binds anything else.
LOOPBACK_ONLY = AccessPolicy(check_host=True, allowed_hosts=frozenset(), allowed_origins=frozenset())
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",  # a framing page would get our keystrokes (clickjacking the cache-clear dialog)
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def refusal(host: str | None, origin: str | None) -> str | None:
    """Why a request to the web port must be refused (403), or None.

    The Host must name this machine (DNS rebinding), and a browser's Origin must be the page's own: the websocket
    drives a dashboard that can clear the cache, so no other site, even one on another local port, may open it.
    """
    if not host:
        return "a Host header is required"
    problem = LOOPBACK_ONLY.host_problem(host, "")
    if problem is not None:
        return problem
    if origin is not None and origin.lower() != f"http://{host.lower()}":
        return f"cross-origin request from {origin!r} refused: the dashboard only answers its own page"
    return None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    problem = refusal(request.headers.get("Host"), request.headers.get("Origin"))
    if problem is not None:
        log.warning("web dashboard: %s", problem)
        return web.Response(status=403, text=problem + "\n", headers=SECURITY_HEADERS)
    response = await handler(request)
    if not response.prepared:  # a websocket has already sent its handshake
        response.headers.update(SECURITY_HEADERS)
    return response


def api_host(host: str) -> str:
    """Where a viewer reaches the proxy: a wildcard bind is reached through loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def viewer_command(options: ViewerArgs) -> str:
    """The shell command textual-serve's AppService runs for each browser tab."""
    argv = [sys.executable, "-m", "cco_tui", "--viewer", "--host", api_host(options.host), "--port", str(options.port)]
    if options.db.path is not None:
        argv += ["--db", str(options.db.path)]
    argv += ["--project", options.project, "--log-level", options.log_level]
    if options.config_dir is not None:
        argv += ["--config", str(options.config_dir)]
    if options.tls is not None:
        argv += ["--tls-cert", str(options.tls.cert), "--tls-key", str(options.tls.key)]
    if options.ca_file is not None:
        argv += ["--ca", str(options.ca_file)]
    command = "exec " + shlex.join(argv)
    if options.log_file is not None:
        # AppService copies a child's stderr to our stdout when it ends: under the TUI that is the terminal.
        command += " 2>>" + shlex.quote(str(options.log_file))
    return command


def terminal_size(values: Mapping[str, object]) -> tuple[int, int]:
    """The browser's terminal size in cells, within sane bounds (the numbers come from the page)."""

    def number(name: str, default: int) -> int:
        raw = str(values.get(name, default))
        return min(max(int(raw), 10), 1000) if raw.isdigit() else default

    return number("width", 80), number("height", 24)


class WebDashboard:
    """The aiohttp app: the page, textual-serve's static files and one websocket per dashboard session."""

    def __init__(self, command: str, sock: socket.socket) -> None:
        self.command = command
        self._sock = sock
        self._downloads = DownloadManager()  # the dashboard writes exports to disk; nothing is ever delivered
        self._sockets: set[web.WebSocketResponse] = set()
        self.app = web.Application(middlewares=[guard])
        self.app.add_routes(
            [
                web.get("/", self._page),
                web.get("/ws", self._session),
                web.get("/favicon.ico", no_icon),
                web.static("/static", STATIC_DIR, show_index=False),
            ]
        )
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock, shutdown_timeout=2 * STOP_TIMEOUT_S + 1).start()

    async def stop(self) -> None:
        """Sessions end first (each child is told to quit, and killed if it does not), then the server."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"cco is stopping")
        await self._runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        websocket_url = f"ws://{request.host}/ws"  # the Host passed the guard: it names this machine
        text = PAGE.substitute(websocket_url=html.escape(websocket_url), font_size=FONT_SIZE)
        return web.Response(text=text, content_type="text/html")

    async def _session(self, request: web.Request) -> web.StreamResponse:
        if len(self._sockets) >= MAX_SESSIONS:
            return web.Response(status=503, text=f"at most {MAX_SESSIONS} dashboard tabs at once\n")
        ws = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)
        await ws.prepare(request)

        async def close() -> None:  # the child quit (q in the dashboard): the browser shows "session ended"
            await ws.close()

        downloads = self._downloads
        service = AppService(
            self.command, write_bytes=ws.send_bytes, write_str=ws.send_str, close=close, download_manager=downloads
        )
        self._sockets.add(ws)
        try:
            await service.start(*terminal_size(request.query))
            log.info("web dashboard: session opened (%d open)", len(self._sockets))
            await relay_browser(ws, service)
        finally:
            self._sockets.discard(ws)
            await end_session(service)
            log.info("web dashboard: session closed (%d open)", len(self._sockets))
        return ws


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)  # browsers ask for one; a 404 would be logged as an error in the console


async def relay_browser(ws: web.WebSocketResponse, service: AppService) -> None:
    """The browser's keys, size changes and focus go to the dashboard process; anything malformed is dropped."""
    async for message in ws:
        envelope = parsed(message.data) if message.type == WSMsgType.TEXT else None
        if isinstance(envelope, list) and envelope and isinstance(envelope[0], str):
            await forward(ws, service, envelope[0], envelope[1] if len(envelope) > 1 else None)


def parsed(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


async def forward(ws: web.WebSocketResponse, service: AppService, kind: str, payload: object) -> None:
    if kind == "stdin" and isinstance(payload, str):
        await service.send_bytes(payload.encode("utf-8"))
    elif kind == "resize" and isinstance(payload, dict):
        await service.set_terminal_size(*terminal_size(payload))
    elif kind == "ping":
        await ws.send_json(["pong", payload])
    elif kind in ("focus", "blur"):
        action: Callable[[], Awaitable[None]] = service.focus if kind == "focus" else service.blur
        await action()


async def end_session(service: AppService) -> None:
    """Ask the child to quit; kill it if it has not within the timeout (a hung child must not outlive cco)."""
    process = service._process  # textual-serve keeps the handle private; only it can make sure the child ends
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(service.stop(), STOP_TIMEOUT_S)
    if process is None or process.returncode is not None:
        return
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        log.warning("web dashboard: a session did not quit; killing process %d", process.pid)
        process.kill()
        await process.wait()


def open_in_browser(url: str) -> None:
    """--open. In a thread: some browsers' launchers only return when the browser window closes."""
    if not (os.environ.get("BROWSER") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and (
        sys.platform not in ("darwin", "win32")
    ):
        # webbrowser would fall back to a console browser, which would take over our terminal.
        log.warning("web dashboard: no graphical browser here; open %s yourself", url)
        return
    threading.Thread(target=webbrowser.open, args=(url,), name="cco-open-browser", daemon=True).start()


@contextlib.asynccontextmanager
async def serving_dashboard(
    viewer: ViewerArgs, web_options: WebOptions, sock: socket.socket
) -> AsyncIterator[WebDashboard]:
    dashboard = WebDashboard(viewer_command(viewer), sock)
    await dashboard.start()
    url = web_options.url
    log.info("web dashboard on %s", url)
    if web_options.open_browser:
        open_in_browser(url)
    try:
        yield dashboard
    finally:
        await dashboard.stop()
