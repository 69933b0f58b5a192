"""Compressed request bodies: read as JSON, forwarded as sent (Anthropic) or translated (OpenAI), size-bounded."""

from __future__ import annotations

import dataclasses
import gzip
import json
import zlib
from pathlib import Path

import httpx
import pytest

from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.serve import running
from tests.reliability.conftest import BODY, KEY, anthropic_error, serve

PLAIN = json.dumps({**BODY, "messages": [{"role": "user", "content": "x" * 5000}]}).encode()
ENCODED = {
    "gzip": gzip.compress(PLAIN),
    "deflate": zlib.compress(PLAIN),
}


def post(url: str, body: bytes, encoding: str | None) -> httpx.Response:
    headers = {**KEY, "content-type": "application/json"}
    if encoding:
        headers["content-encoding"] = encoding
    return httpx.post(url + "/v1/messages", content=body, headers=headers, timeout=30)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_body_is_read_and_forwarded_as_sent(tmp_path: Path, fake_upstream, encoding: str) -> None:
    fake, upstream = fake_upstream
    fake.responder = lambda received: fake.default_reply(_decoded(received))
    with serve(tmp_path, upstream) as server:
        first = post(server.url, ENCODED[encoding], encoding)
        assert first.status_code == 200, first.text
        assert first.headers["x-cco-served-model"] == "claude-sonnet-4-6"
        assert post(server.url, ENCODED[encoding], encoding).headers["x-cco-cache"] == "hit"
        assert post(server.url, PLAIN, None).headers["x-cco-cache"] == "hit"  # same JSON, same key
    assert fake.count() == 1
    assert fake.received[0].body == ENCODED[encoding]
    assert fake.received[0].headers["content-encoding"] == encoding


def _decoded(received):  # the fake reads plain JSON; what it recorded stays as sent
    raw = received.body
    return dataclasses.replace(received, body=gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else zlib.decompress(raw))


def test_decoded_size_is_bounded(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    bomb = gzip.compress(b'{"model":"claude-sonnet-4-6","pad":"' + b"0" * 3_000_000 + b'"}')
    assert len(bomb) < 100_000
    with serve(tmp_path, upstream, settings={"max_body_bytes": 1_000_000}) as server:
        anthropic_error(post(server.url, bomb, "gzip"), 413, "request_too_large")
        anthropic_error(post(server.url, b"\x1f\x8bnot gzip at all", "gzip"), 400, "invalid_request_error")
        anthropic_error(post(server.url, ENCODED["gzip"][:-20], "gzip"), 400, "invalid_request_error")
        anthropic_error(post(server.url, PLAIN, "br"), 415, "invalid_request_error")
    assert fake.count() == 0


def test_translated_route_gets_the_decoded_body(tmp_path: Path) -> None:
    openai = FakeOpenAI()
    with running(openai) as upstream:
        route = {"pattern": "gpt-*", "provider": "openai", "endpoint": upstream.url + "/v1", "model": "gpt-x"}
        with serve(tmp_path, upstream, routes=[route]) as server:
            body = gzip.compress(json.dumps({**BODY, "model": "gpt-test"}).encode())
            response = post(server.url, body, "gzip")
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "message"
    assert openai.last.body["model"] == "gpt-x"
    assert "content-encoding" not in openai.last.headers
