"""`cco` started in a real terminal (tmux): a request sent through its port shows up on the dashboard."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import free_port, headless_cco
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import MESSAGE_HEADERS, message_body

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
PROJECT = "tmux-demo"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def session_alive(session: str) -> bool:
    return subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0


def wait_for(condition: Callable[[], bool], what: str, session: str | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    shown = screen(session) if session and session_alive(session) else "(no screen)"
    raise AssertionError(f"timed out waiting for {what}; the terminal shows:\n{shown}")


def serving(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def cco_in_tmux(
    tmp_path: Path, upstream_url: str, *extra: str, port: int | None = None, own_db: bool = True
) -> Iterator[tuple[str, str]]:
    """(tmux session, base url) of `cco [extra]` running in a 120x40 terminal with its own HOME and database
    (`own_db=False`: no --db, the default database under its own HOME)."""
    config = write_config(tmp_path / "config", upstream_url, settings={"refresh_seconds": 1})
    port, home = port or free_port(), tmp_path / "home"
    home.mkdir()
    session = f"cco-test-{port}"
    database = ["--db", str(tmp_path / "cco.db")] if own_db else []
    command = [
        sys.executable,
        "-m",
        "cco_tui",
        "--port",
        str(port),
        *database,
        "--config",
        str(config),
        "--project",
        PROJECT,
        *extra,
    ]
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".data"),
        "XDG_STATE_HOME": str(home / ".state"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(Path.cwd()),
    }
    # COLUMNS/LINES inherited from the test runner would override the terminal's real size in Textual.
    assignments = [f"{key}={shlex.quote(value)}" for key, value in env.items()]
    shell = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", *assignments, shlex.join(command)])
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", shell)
    try:
        yield session, f"http://127.0.0.1:{port}"
    finally:
        if session_alive(session):
            tmux("kill-session", "-t", session)


def test_request_through_cco_appears_on_the_current_project_tab(
    tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    with cco_in_tmux(tmp_path, fake_upstream[1].url) as (session, url):
        wait_for(lambda: serving(url), "cco to serve its port")
        wait_for(lambda: "No requests yet" in screen(session), "the empty dashboard", session)
        headers = {**MESSAGE_HEADERS, "x-cco-project": PROJECT}
        reply = httpx.post(url + "/v1/messages", json=message_body("from tmux"), headers=headers, timeout=10)
        assert reply.status_code == 200
        wait_for(lambda: "claude-sonnet-4-5" in screen(session), "the request on the dashboard", session)
        shown = screen(session)
        assert url in shown  # the header's listening address
        assert f"Project {PROJECT}" in shown
        assert "API calls today" in shown and "│ 1 " in shown  # the card counts it
        assert "No requests yet" not in shown
        tmux("send-keys", "-t", session, "q")
        wait_for(lambda: not session_alive(session), "q to quit cco")
    assert not serving(url)


def test_a_viewer_shows_the_serving_ccos_database(
    tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    """QA: a second `cco` on a port served with `--db X` read its own default database ("No requests yet")."""
    served_db = tmp_path / "elsewhere" / "served.db"
    served_db.parent.mkdir()
    config = write_config(tmp_path / "server-config", fake_upstream[1].url)
    with headless_cco(config, served_db) as server:
        headers = {**MESSAGE_HEADERS, "x-cco-project": PROJECT}
        for n in range(3):
            reply = httpx.post(server.url + "/v1/messages", json=message_body(f"q{n}"), headers=headers, timeout=10)
            assert reply.status_code == 200
        viewer_dir = tmp_path / "viewer"
        viewer_dir.mkdir()
        with cco_in_tmux(viewer_dir, fake_upstream[1].url, port=server.port, own_db=False) as (session, _):
            wait_for(lambda: "viewer mode" in screen(session), "the viewer", session)
            wait_for(lambda: "│ 3 " in screen(session), "the server's 3 requests on the viewer's card", session)
            shown = screen(session)
            tmux("send-keys", "-t", session, "q")
            wait_for(lambda: not session_alive(session), "q to quit the viewer")
        assert serving(server.url)  # the viewer never stopped the server
    assert "No requests yet" not in shown
    assert "API calls today" in shown
