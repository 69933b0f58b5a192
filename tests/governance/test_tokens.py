"""Access tokens end to end: `cco keys` in a subprocess, cco as a real process, the real anthropic SDK."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anthropic
import httpx
import pytest

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import headless_cco
from tests.governance.helpers import OWN_KEY, body, cco_command, create_key, rows


def test_create_prints_the_token_once_and_list_never_does(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    made = cco_command("keys", "create", "--db", str(db), "--project", "web", "--name", "ci", "--rpm", "5")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("cco-") and len(token) > 40
    listed = cco_command("keys", "list", "--db", str(db), "--json")
    keys = json.loads(listed.stdout)
    assert [(k["project"], k["name"], k["rpm"]) for k in keys] == [("web", "ci", 5)]
    assert token not in listed.stdout and "token" not in keys[0]
    assert token not in cco_command("keys", "list", "--db", str(db)).stdout
    assert token.encode() not in db.read_bytes()  # only its hash is stored


def test_bad_budget_argument_is_refused(tmp_path: Path) -> None:
    done = cco_command("keys", "create", "--db", str(tmp_path / "k.db"), "--project", "p", "--budget", "5/year")
    assert done.returncode == 2 and "5/year" in done.stderr


def test_token_works_as_api_key_upstream_sees_ccos_key_and_row_has_tokens_project(
    config_dir: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    db = tmp_path / "cco.db"
    key = create_key(db, "web")
    with headless_cco(config_dir, db, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:
        client = anthropic.Anthropic(api_key=key["token"], base_url=cco.url, max_retries=0)
        answer = client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=20,
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"x-cco-project": "not-this-one"},
        )
        assert answer.content[0].type == "text"
        bearer = httpx.post(
            cco.url + "/v1/messages", json=body("bearer"), headers={"authorization": f"Bearer {key['token']}"}
        )
        assert bearer.status_code == 200
        assert cco.stop() == 0
    for received in fake.received:
        assert received.headers["x-api-key"] == OWN_KEY
        assert "authorization" not in received.headers
        assert key["token"] not in json.dumps(received.headers)
    recorded = rows(db)
    assert [(row["project"], row["key_id"], row["status"]) for row in recorded] == [("web", key["id"], 200)] * 2
    assert key["token"] not in (tmp_path / f"cco-{cco.port}.log").read_text()


def test_revoked_and_unknown_tokens_get_401(config_dir: Path, fake: FakeAnthropic, tmp_path: Path) -> None:
    db = tmp_path / "cco.db"
    key = create_key(db, "web")
    with headless_cco(config_dir, db, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:
        headers = {"x-api-key": key["token"]}
        assert httpx.post(cco.url + "/v1/messages", json=body(), headers=headers).status_code == 200
        revoked = cco_command("keys", "revoke", key["id"], "--db", str(db))
        assert revoked.returncode == 0, revoked.stderr
        deadline, status = time.monotonic() + 5, 200
        while status == 200 and time.monotonic() < deadline:
            status = httpx.post(cco.url + "/v1/messages", json=body("again"), headers=headers).status_code
            time.sleep(0.1)
        refused = httpx.post(cco.url + "/v1/messages", json=body("again"), headers=headers)
        unknown = httpx.post(cco.url + "/v1/messages", json=body(), headers={"x-api-key": "cco-not-a-real-token"})
        assert cco.stop() == 0
    assert time.monotonic() < deadline, "the revocation was not seen within 5 s"
    for response in (refused, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    assert fake.count() >= 1
    assert sum(1 for row in rows(db) if row["status"] == 401) >= 2


@pytest.fixture
def tokens_config(tmp_path: Path, fake_upstream: tuple[FakeAnthropic, object]) -> Path:
    return write_config(tmp_path / "tokens-config", fake_upstream[1].url, {"auth": "tokens"})  # type: ignore[attr-defined]


def test_non_loopback_bind_needs_token_auth(config_dir: Path, tmp_path: Path) -> None:
    done = cco_command(
        "--headless", "--host", "0.0.0.0", "--allow-remote", "--behind-tls-proxy", "--config", str(config_dir)
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "settings.json" in done.stderr and "auth" in done.stderr and "tokens" in done.stderr


def test_remote_bind_with_tokens_refuses_anonymous_clients_and_api(
    tokens_config: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    db = tmp_path / "cco.db"
    user, admin = create_key(db, "web"), create_key(db, "ops", "--admin")
    extra = ("--host", "0.0.0.0", "--allow-remote", "--behind-tls-proxy")
    with headless_cco(tokens_config, db, *extra, env={"ANTHROPIC_API_KEY": OWN_KEY}) as cco:
        anonymous = httpx.post(cco.url + "/v1/messages", json=body())
        own_key = httpx.post(cco.url + "/v1/messages", json=body(), headers={"x-api-key": "sk-ant-someone"})
        allowed = httpx.post(cco.url + "/v1/messages", json=body(), headers={"x-api-key": user["token"]})
        clear_anonymous = httpx.post(cco.url + "/api/cache/clear")
        clear_user = httpx.post(cco.url + "/api/cache/clear", headers={"x-api-key": user["token"]})
        clear_admin = httpx.post(cco.url + "/api/cache/clear", headers={"authorization": f"Bearer {admin['token']}"})
        metrics = httpx.get(cco.url + "/metrics")
        health = httpx.get(cco.url + "/health")
        assert cco.stop() == 0
    for response in (anonymous, own_key, clear_anonymous, metrics):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    assert (allowed.status_code, clear_user.status_code, clear_admin.status_code) == (200, 403, 200)
    assert health.status_code == 200
    assert fake.count() == 1 and fake.last.headers["x-api-key"] == OWN_KEY
    assert [row["status"] for row in rows(db)] == [401, 401, 200]
