"""Dashboard fixtures: a seeded database, the management API on real loopback HTTP, and app factories."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cco_tui.app import CcoApp
from cco_tui.config.logs import MemoryLogHandler
from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from cco_tui.tui.context import AppContext
from cco_tui.tui.proxy_client import ProxyClient
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer, running
from tests.tui.fake_cco import CacheState, create_fake_cco
from tests.tui.seed import CURRENT_PROJECT, NOW, history, write_records

SESSION_START = NOW - 2 * 3600  # "this session" = since cco started, two hours before the frozen now
DISPLAY_URL = "http://127.0.0.1:8000"

AppFactory = Callable[..., CcoApp]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """'Today' and day buckets are local-time: pin the zone so numbers and labels are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 days of requests over four projects, written once through the real writer; tests only read it."""
    path = tmp_path_factory.mktemp("seeded") / "cco.db"
    write_records(path, history())
    return path


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    return tmp_path / "empty.db"


@pytest.fixture
def cache_state() -> CacheState:
    return CacheState()


@pytest.fixture
def fake_cco(cache_state: CacheState) -> Iterator[ThreadedServer]:
    """The management API (/health, /api/cache/*) on a loopback port; swap the app for the real server here."""
    with running(create_fake_cco(cache_state)) as server:
        yield server


def make_context(
    db_path: Path, base_url: str, log_handler: MemoryLogHandler | None = None, project: str = CURRENT_PROJECT
) -> AppContext:
    return AppContext(
        base_url=base_url,
        db_path=db_path,
        project=project,
        config=load_config(),
        log_handler=log_handler or MemoryLogHandler(),
        log_file=None,
        viewer_mode=False,
        refresh_seconds=3600.0,  # tests refresh explicitly (r), never on a timer
    )


@pytest.fixture
def make_app() -> AppFactory:
    """CcoApp with a frozen clock; `proxy` lets snapshot tests show a fixed address while talking to a server."""

    def build(
        db_path: Path,
        base_url: str,
        *,
        log_handler: MemoryLogHandler | None = None,
        proxy: ProxyClient | None = None,
        viewer_mode: bool = False,
        clock: Callable[[], float] = lambda: NOW,
        project: str = CURRENT_PROJECT,
    ) -> CcoApp:
        context = replace(make_context(db_path, base_url, log_handler, project), viewer_mode=viewer_mode)
        app = CcoApp(context, clock=clock, proxy=proxy)
        app.started_at = SESSION_START
        return app

    return build


def screen_text(app: CcoApp) -> str:
    """Every character the screen shows now, one line per row (what a user would read)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Pilot[None], rounds: int = 400) -> None:
    """Wait until every worker has finished and the messages they posted have been handled."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            await pilot.pause()
            if all(worker.is_finished for worker in app.workers):
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"workers still running: {list(app.workers)}")


MESSAGE_HEADERS = {"x-api-key": "sk-test-key", "anthropic-version": "2023-06-01", "x-cco-project": CURRENT_PROJECT}


def message_body(text: str = "hello") -> dict[str, object]:
    return {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": text}]}


@pytest.fixture
def live_db(tmp_path: Path) -> Path:
    return tmp_path / "live.db"


@pytest.fixture
def real_cco(
    tmp_path: Path, live_db: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> Iterator[ThreadedServer]:
    """The real cco server app (proxy, cache, recorder, management API) in front of the fake upstream."""
    config = load_config(str(write_config(tmp_path / "config", fake_upstream[1].url)))
    with running(create_app(config, live_db)) as server:
        yield server
