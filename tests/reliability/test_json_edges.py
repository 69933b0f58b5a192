"""Deep JSON and bodies whose bytes a lossy canonical form would confuse: a 400 with a row, or distinct cache keys."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer
from tests.reliability.conftest import KEY, anthropic_error, rows, serve

JSON = {**KEY, "content-type": "application/json"}
HEAD = b'{"model":"claude-sonnet-4-6","max_tokens":20,"messages":[{"role":"user","content":"hi"}]'


def nested(depth: int) -> bytes:
    return HEAD + b',"tools":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [255, 300, 1000, 1023])
def test_deep_json_is_a_400_with_a_row(tmp_path: Path, fake_upstream, depth: int) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        for stream in (b"", b',"stream":true'):
            body = nested(depth)[:-1] + stream + b"}"
            response = httpx.post(server.url + "/v1/messages", content=body, headers=JSON, timeout=30)
            assert "deeper than 254" in anthropic_error(response, 400, "invalid_request_error")
    assert fake.count() == 0
    recorded = rows(tmp_path / "cco.db")
    assert [(r["status"], r["error_type"]) for r in recorded] == [(400, "invalid_request_error")] * 2


def test_deep_json_within_the_limit_is_proxied_and_keyed(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.responder = lambda received: FakeAnthropic.default_reply(fake, _shallow(received))
    with serve(tmp_path, upstream) as server:
        for _ in range(2):
            response = httpx.post(server.url + "/v1/messages", content=nested(200), headers=JSON, timeout=30)
            assert response.status_code == 200, response.text
    assert fake.count() == 1  # the second one was a hit: deep-but-legal bodies still get a key


def _shallow(received):  # the fake parses with the stdlib; give it only what it needs to answer
    return dataclasses.replace(received, body=HEAD + b"}")


def distinct_pairs() -> list[tuple[bytes, bytes]]:
    return [
        (
            HEAD + b',"temperature":123456789012345678901234567890}',
            HEAD + b',"temperature":123456789012345678901234567891}',
        ),
        (HEAD + b',"top_k":18446744073709551616}', HEAD + b',"top_k":18446744073709551617}'),
        (HEAD + b',"temperature":0.1}', HEAD + b',"temperature":0.1000000000000000000001}'),
        # duplicate keys: orjson keeps the last one, a different parser may keep the first
        (HEAD + b',"max_tokens":1}', HEAD.replace(b'"max_tokens":20', b'"max_tokens":1') + b"}"),
        (HEAD + b',"system":"a","system":"b"}', HEAD + b',"system":"b"}'),
    ]


@pytest.mark.parametrize(("first", "second"), distinct_pairs())
def test_bodies_that_differ_never_share_a_key(tmp_path: Path, fake_upstream, first: bytes, second: bytes) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        for body in (first, second, first, second):
            response = httpx.post(server.url + "/v1/messages", content=body, headers=JSON, timeout=30)
            assert response.status_code == 200, response.text
        statuses = [r["cache_status"] for r in _settled_rows(server, tmp_path, 4)]
    assert fake.count() == 2, "each distinct body goes upstream once"
    assert statuses == ["miss", "miss", "hit", "hit"]
    sent = [item.body for item in fake.received]
    assert sent == [first, second], "the raw bytes go upstream untouched"


def _settled_rows(server: ThreadedServer, tmp_path: Path, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = rows(tmp_path / "cco.db")
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError("rows did not arrive")


def test_equivalent_forms_still_share_a_key(tmp_path: Path, fake_upstream) -> None:
    """Lossless does not mean raw: whitespace, key order and metadata still do not change the key."""
    fake, upstream = fake_upstream
    forms = [
        HEAD + b"}",
        b'{ "messages": [ {"content": "hi", "role": "user"} ], "max_tokens": 20, "model": "claude-sonnet-4-6" }',
        HEAD + b',"metadata":{"user_id":"session-2"}}',
    ]
    with serve(tmp_path, upstream) as server:
        for body in forms:
            assert httpx.post(server.url + "/v1/messages", content=body, headers=JSON, timeout=30).status_code == 200
    assert fake.count() == 1
