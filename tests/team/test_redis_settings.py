"""redis_url / --redis / CCO_REDIS_URL and on_redis_down: accepted forms, one-line config errors, and a cco
that starts and serves while its Redis is down (budgets refused by default, limits counted locally)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cco_tui.config.errors import ConfigError
from cco_tui.config.settings import RedisDown, parse_settings
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer
from tests.governance.helpers import body
from tests.servers import free_port


def test_settings_forms() -> None:
    assert parse_settings({}, "s.json").redis_url is None
    assert parse_settings({}, "s.json").on_redis_down == RedisDown("open", "closed")
    both = parse_settings({"redis_url": "redis://r:6379/1", "on_redis_down": "open"}, "s.json")
    assert both.redis_url == "redis://r:6379/1" and both.on_redis_down == RedisDown("open", "open")
    split = parse_settings({"on_redis_down": {"limits": "closed"}}, "s.json").on_redis_down
    assert split == RedisDown("closed", "closed")


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"redis_url": "http://r:6379"}, "redis_url"),
        ({"on_redis_down": "maybe"}, "on_redis_down"),
        ({"on_redis_down": {"cache": "open"}}, "on_redis_down.cache"),
        ({"cache": {"redis_max_entry_bytes": -1}}, "cache.redis_max_entry_bytes"),
    ],
)
def test_bad_settings_name_the_key(settings: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(settings, "s.json")
    assert caught.value.key == key


def test_bad_redis_flag_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "c"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps({}))
    done = subprocess.run(
        [sys.executable, "-m", "cco_tui", "--headless", "--config", str(config), "--redis", "localhost:6379"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--redis" in done.stderr and "redis://" in done.stderr


def test_redis_down_at_start_serves_and_refuses_budgets_by_default(
    tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]
) -> None:
    fake, server = fake_upstream
    settings = {
        "limits": [{"name": "rpm", "model": "*", "rpm": 2}],
        "budgets": [{"name": "web", "project": "web", "usd": 5, "period": "day"}],
    }
    config = write_config(tmp_path / "c", server.url, settings)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    with headless_cco(config, tmp_path / "a.db", "--redis", nowhere) as cco:
        budgeted = httpx.post(
            cco.url + "/v1/messages", json=body("web"), headers={"x-api-key": "k", "x-cco-project": "web"}
        )  # refused, and the rpm it had taken is given back
        plain = [httpx.post(cco.url + "/v1/messages", json=body(f"q{n}"), headers={"x-api-key": "k"}) for n in range(3)]
        assert [response.status_code for response in plain] == [200, 200, 429]  # rpm counted in this process
        assert httpx.get(cco.url + "/health/ready").status_code == 503
        logs = cco.log()
    assert budgeted.status_code == 503, budgeted.text
    error = budgeted.json()["error"]
    assert error["type"] == "api_error" and "Redis" in error["message"] and budgeted.headers["retry-after"] == "1"
    assert logs.count("is unreachable") == 1 and "Traceback" not in logs
    assert fake.count() == 2
