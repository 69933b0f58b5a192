"""Rate limits through a real cco process: exact under concurrency, Anthropic-shaped 429s, rows naming the rule."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Received, Reply, message
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer
from tests.governance.helpers import OWN_KEY, body, create_key, rows


async def send_all(url: str, payloads: list[dict[str, Any]], headers: dict[str, str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(payloads))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.post("/v1/messages", json=p, headers=headers) for p in payloads))


def slow(received: Received) -> Reply:
    """Answers take a while, so every request is in flight at once."""
    return Reply(body=message(), head_delay_s=0.3)


def test_rpm_30_admits_exactly_30_of_100_concurrent(
    fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path
) -> None:
    fake, server = fake_upstream
    fake.responder = slow
    rule = {"name": "sonnet-rpm", "model": "claude-*", "rpm": 30}
    config = write_config(tmp_path / "config", server.url, {"limits": [rule]})
    db = tmp_path / "cco.db"
    with headless_cco(config, db) as cco:
        payloads = [body(f"distinct request {n}") for n in range(100)]
        answers = asyncio.run(send_all(cco.url, payloads, {"x-api-key": "sk-ant-user"}))
        limits = httpx.get(cco.url + "/api/limits").json()
        assert cco.stop() == 0
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] * 30 + [429] * 70
    assert fake.count() == 30
    for refused in (response for response in answers if response.status_code == 429):
        error = refused.json()
        assert error["type"] == "error" and error["error"]["type"] == "rate_limit_error"
        assert "sonnet-rpm" in error["error"]["message"]
        assert refused.headers["retry-after"].isdigit() and 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["anthropic-ratelimit-requests-limit"] == "30"
        assert refused.headers["anthropic-ratelimit-requests-remaining"] == "0"
        assert refused.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    (limit,) = limits["rules"]["limits"]
    assert limit["name"] == "sonnet-rpm" and limit["refused"] == 70
    assert limit["counters"][0]["requests"] == 30
    recorded = rows(db)
    assert len(recorded) == 100
    assert sorted((row["status"], row["rule"]) for row in recorded) == [(200, None)] * 30 + [(429, "sonnet-rpm")] * 70


def test_cache_hits_and_other_models_do_not_count(
    fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path
) -> None:
    fake, server = fake_upstream
    rule = {"name": "one-a-minute", "model": "claude-sonnet-*", "project": "web", "per": "project", "rpm": 1}
    config = write_config(tmp_path / "config", server.url, {"limits": [rule]})
    with headless_cco(config, tmp_path / "cco.db") as cco:

        def post(payload: dict[str, Any], project: str = "web") -> int:
            headers = {"x-api-key": "sk-ant-user", "x-cco-project": project}
            return httpx.post(cco.url + "/v1/messages", json=payload, headers=headers).status_code

        first, hit, other = post(body("same")), post(body("same")), post(body("different"))
        other_project = post(body("different"), "docs")
        other_model = post({**body("different"), "model": "claude-haiku-4-5"})
    assert (first, hit, other, other_project, other_model) == (200, 200, 429, 200, 200)
    assert fake.count() == 3


def test_tokens_own_rpm_and_tpm(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    db = tmp_path / "cco.db"
    by_rpm = create_key(db, "web", "--rpm", "2")
    by_tpm = create_key(db, "web", "--tpm", "2000")
    fake.responder = lambda received: Reply(body=message(usage={"input_tokens": 600, "output_tokens": 400}))
    with headless_cco(config_dir, db, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:

        def post(key: dict[str, Any], text: str) -> httpx.Response:
            return httpx.post(cco.url + "/v1/messages", json=body(text), headers={"x-api-key": key["token"]})

        rpm = [post(by_rpm, f"r{n}").status_code for n in range(3)]
        tpm = [post(by_tpm, f"t{n}") for n in range(3)]  # each settles at 1000 tokens: the third does not fit
    assert rpm == [200, 200, 429]
    assert [response.status_code for response in tpm] == [200, 200, 429]
    assert f"key {by_tpm['id']}" in tpm[2].json()["error"]["message"]
    assert tpm[2].headers["anthropic-ratelimit-tokens-limit"] == "2000"


def test_concurrent_limit(fake_upstream: tuple[FakeAnthropic, ThreadedServer], tmp_path: Path) -> None:
    fake, server = fake_upstream
    fake.responder = slow
    config = write_config(tmp_path / "config", server.url, {"limits": [{"name": "two-at-once", "concurrent": 2}]})
    with headless_cco(config, tmp_path / "cco.db") as cco:
        answers = asyncio.run(send_all(cco.url, [body(f"c{n}") for n in range(6)], {"x-api-key": "sk-ant-u"}))
        time.sleep(0.1)
        after = httpx.post(cco.url + "/v1/messages", json=body("later"), headers={"x-api-key": "sk-ant-u"})
    assert sorted(response.status_code for response in answers) == [200, 200, 429, 429, 429, 429]
    assert after.status_code == 200  # slots are given back when answers complete
