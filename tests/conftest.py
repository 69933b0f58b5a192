"""Shared fixtures: a fake upstream and cco itself, both on real loopback ports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer, running

pytest_plugins = ("tests.servers",)  # real redis-server / PostgreSQL fixtures


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read the developer's real config, database or API key."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CCO_CONFIG_DIR", raising=False)
    monkeypatch.setenv("CCO_DB", str(tmp_path / "env-default.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture
def fake_upstream() -> Iterator[tuple[FakeAnthropic, ThreadedServer]]:
    fake = FakeAnthropic()
    with running(fake) as server:
        yield fake, server


def write_config(
    directory: Path,
    upstream_url: str,
    settings: dict[str, Any] | None = None,
    routes: list[dict[str, Any]] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    default_routes = [
        {
            "pattern": "^claude-",
            "provider": "anthropic",
            "endpoint": upstream_url + "/v1",
            "timeout_ms": 30000,
        }
    ]
    (directory / "model-routing.json").write_text(json.dumps({"routes": routes or default_routes}))
    (directory / "settings.json").write_text(json.dumps(settings or {}))
    return directory


@pytest.fixture
def config_dir(tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]) -> Path:
    return write_config(tmp_path / "config", fake_upstream[1].url)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cco.db"


@pytest.fixture
def cco(config_dir: Path, db_path: Path) -> Iterator[ThreadedServer]:
    """cco's app on a loopback port (in a thread), in front of the fake upstream."""
    with running(create_app(load_config(str(config_dir)), db_path)) as server:
        yield server


@pytest.fixture
def fake(fake_upstream: tuple[FakeAnthropic, ThreadedServer]) -> FakeAnthropic:
    return fake_upstream[0]
