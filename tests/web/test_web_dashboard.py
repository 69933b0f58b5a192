"""`cco --web`: the dashboard served to a real browser (Debian's Chromium), and the web port's guards."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import anthropic
import httpx
import pytest
import trustme

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import CcoProcess, free_port, headless_cco
from tests.fakes.serve import ThreadedServer
from tests.tui.test_real_terminal import cco_in_tmux, screen, serving, session_alive, tmux, wait_for
from tests.web.browser import chromium, require_chromium, save_screenshot, wait_for_screen

Upstream = tuple[FakeAnthropic, ThreadedServer]
PROJECT = "browser-shop"  # the request's project; the dashboard's own project is another one
TABS = ("Current Project", "Machine-Wide", "Terminal")
REFUSE_WEBSOCKET = """async (url) => await new Promise((resolve) => {
  const socket = new WebSocket(url);
  socket.onopen = () => resolve("opened");
  socket.onerror = () => resolve("refused");
})"""


def wait_for_log(cco: CcoProcess, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in cco.log():
        if time.monotonic() > deadline:
            raise AssertionError(f"cco never logged {text!r}; it said:\n{cco.log()[-3000:]}")
        time.sleep(0.2)


def send_traffic(url: str) -> None:
    """A real request through cco to the fake upstream, attributed to PROJECT."""
    headers = {"x-cco-project": PROJECT}
    with anthropic.Anthropic(base_url=url, api_key="sk-ant-test", default_headers=headers) as client:
        reply = client.messages.create(
            model="claude-sonnet-4-6", max_tokens=20, messages=[{"role": "user", "content": "hello from the browser"}]
        )
    assert reply.content


def web_cco(upstream: Upstream, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, object]:
    config = write_config(tmp_path / "config", upstream[1].url, settings={"refresh_seconds": 1})
    web_port = free_port()
    args = ("--web", "--web-port", str(web_port), "--project", "home-project", *extra)
    return web_port, headless_cco(config, tmp_path / "cco.db", *args, env=env)


def test_chromium_shows_the_tabs_and_machine_wide_traffic(fake_upstream: Upstream, tmp_path: Path) -> None:
    require_chromium()
    web_port, running = web_cco(fake_upstream, tmp_path)
    with running as cco, chromium(tmp_path / "profile") as browser:  # type: ignore[attr-defined]
        send_traffic(cco.url)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{web_port}/")
        shown = wait_for_screen(page, *TABS, "home-project")
        assert PROJECT not in shown  # the current project is another one: PROJECT may only appear on Machine-Wide
        page.keyboard.press("2")
        shown = wait_for_screen(page, "All projects on this machine", "Active projects", PROJECT)
        save_screenshot(page, "web-dashboard-machine-wide.png")

        # Clearing the cache changes state: the browser gets the same confirmation as the terminal, and No keeps it.
        page.keyboard.press("c")
        wait_for_screen(page, "Clear the response cache?")
        page.keyboard.press("n")
        deadline = time.monotonic() + 20
        while "Clear the response cache?" in wait_for_screen(page, "All projects"):
            assert time.monotonic() < deadline, "the confirmation did not close on n"
            time.sleep(0.2)
        assert "Cache cleared" not in wait_for_screen(page, "All projects")

        # Each browser tab is a dashboard process of its own.
        second = browser.new_page()
        second.goto(f"http://localhost:{web_port}/")
        wait_for_screen(second, *TABS)
        wait_for_log(cco, "session opened (2 open)")
        second.close()
        wait_for_log(cco, "session closed (1 open)")

        # A page of another origin (here cco's own API port) cannot open the dashboard's websocket.
        foreign = browser.new_page()
        foreign.goto(cco.url + "/health")
        assert foreign.evaluate(REFUSE_WEBSOCKET, f"ws://127.0.0.1:{web_port}/ws") == "refused"
        wait_for_log(cco, f"cross-origin request from '{cco.url}' refused")


async def handshake_status(url: str, **headers: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def survives_junk(url: str, **headers: str) -> object:
    """Malformed frames are dropped; the session still answers a ping."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url, headers=headers) as ws:
        for junk in ("not json", "[]", "[1]", '{"stdin": "q"}', '["resize", {"width": "wide"}]', '["stdin", 7]'):
            await ws.send_str(junk)
        await ws.send_bytes(b"\x00\xff")
        await ws.send_str('["ping", "still here"]')
        async with asyncio.timeout(30):
            while (message := await ws.receive()).type != aiohttp.WSMsgType.TEXT or "pong" not in message.data:
                assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message
        return message.json()


async def test_web_port_refuses_foreign_origins_and_hosts(fake_upstream: Upstream, tmp_path: Path) -> None:
    web_port, running = web_cco(fake_upstream, tmp_path)
    page, ws = f"http://127.0.0.1:{web_port}/", f"ws://127.0.0.1:{web_port}/ws"
    own = f"127.0.0.1:{web_port}"
    with running:  # type: ignore[attr-defined]
        served = httpx.get(page)
        assert served.status_code == 200
        assert f'data-session-websocket-url="ws://{own}/ws"' in served.text
        assert served.headers["x-frame-options"] == "DENY"
        assert httpx.get(f"http://localhost:{web_port}/").status_code == 200
        assert httpx.get(page + "static/js/textual.js").status_code == 200

        assert httpx.get(page, headers={"Host": f"attacker.example:{web_port}"}).status_code == 403
        assert httpx.get(page, headers={"Host": "192.168.1.20"}).status_code == 403
        assert httpx.get(page, headers={"Origin": "http://attacker.example"}).status_code == 403
        assert httpx.get(page, headers={"Origin": "http://127.0.0.1:9"}).status_code == 403

        assert await handshake_status(ws, Origin="http://attacker.example") == 403
        assert await handshake_status(ws, Origin=f"http://127.0.0.1:{web_port + 1}") == 403
        rebound = f"attacker.example:{web_port}"
        assert await handshake_status(ws, Host=rebound, Origin=f"http://{rebound}") == 403
        assert await survives_junk(ws, Origin=f"http://{own}") == ["pong", "still here"]  # its own origin is let in


def cco_command(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cco_tui", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_non_loopback_web_bind_is_refused(host: str, tmp_path: Path) -> None:
    line = one_line_error(cco_command("--headless", "--web", "--web-host", host, "--db", str(tmp_path / "x.db")))
    assert "--web-host" in line
    assert "not a loopback address" in line


def test_a_busy_web_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ("--headless", "--web-port", str(port), "--port", str(free_port()), "--db", str(tmp_path / "x.db"))
        line = one_line_error(cco_command(*args))
    assert f"port {port}" in line
    assert "--web-port" in line


def test_open_starts_the_default_browser_on_the_page(fake_upstream: Upstream, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    web_port, running = web_cco(fake_upstream, tmp_path, "--open", env={**os.environ, "BROWSER": str(browser)})
    with running:  # type: ignore[attr-defined]
        deadline = time.monotonic() + 20
        while not opened.exists():
            assert time.monotonic() < deadline, "the browser was never started"
            time.sleep(0.1)
    assert opened.read_text().split() == [f"http://127.0.0.1:{web_port}/"]


def body(shown: str) -> list[str]:
    """The screen below the header (its uptime ticks) and the tab underline (it animates)."""
    return shown.splitlines()[3:]


def settled_body(session: str) -> list[str]:
    """The body once start-up layout is over: the same for a full second."""
    previous: list[str] = []
    deadline = time.monotonic() + 30
    while (current := body(screen(session))) != previous:
        assert time.monotonic() < deadline, "the terminal dashboard never settled"
        previous = current
        time.sleep(1)
    return current


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_web_beside_the_terminal_dashboard_leaves_the_terminal_alone(fake_upstream: Upstream, tmp_path: Path) -> None:
    """`cco --web` with the TUI: a browser session's process never writes to cco's terminal, and q ends both."""
    require_chromium()
    web_port = free_port()
    with (
        cco_in_tmux(tmp_path, fake_upstream[1].url, "--web", "--web-port", str(web_port)) as (session, url),
        chromium(tmp_path / "profile") as browser,
    ):
        wait_for(lambda: "No requests yet" in screen(session), "the terminal dashboard", session)
        before = settled_body(session)
        assert f"web http://127.0.0.1:{web_port}/" in screen(session).splitlines()[0]  # the header says where
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{web_port}/")
        wait_for_screen(page, *TABS)
        page.keyboard.press("3")  # the browser's dashboard changes tab; the terminal's must not
        wait_for_screen(page, "Terminal", "help")
        assert body(screen(session)) == before
        tmux("send-keys", "-t", session, "q")
        wait_for(lambda: not session_alive(session), "q to quit cco")
        page.wait_for_function("document.body.classList.contains('-closed')", timeout=20_000)
    assert not serving(url)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{web_port}/")


def test_browser_tabs_reach_an_https_cco(fake_upstream: Upstream, tmp_path: Path) -> None:
    """Behind `--tls-cert`, each tab's viewer speaks HTTPS to cco and trusts its certificate (through --ca)."""
    require_chromium()
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca = tmp_path / "cco.pem", tmp_path / "cco.key", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    config = write_config(tmp_path / "config", fake_upstream[1].url, settings={"refresh_seconds": 1})
    web_port = free_port()
    args = ("--web", "--web-port", str(web_port), "--tls-cert", str(cert), "--tls-key", str(key), "--ca", str(ca))
    trust = ssl.create_default_context(cafile=str(ca))
    running = headless_cco(config, tmp_path / "cco.db", *args, scheme="https", verify=trust)
    with running as cco, chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{web_port}/")
        shown = wait_for_screen(page, cco.url, "cached")  # the header's cache count comes from cco's HTTPS API
        assert "server unreachable" not in shown
