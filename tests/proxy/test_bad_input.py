"""Bad requests get Anthropic-shaped errors with the right status, and the next good request still works."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.serve import ThreadedServer, running

GOOD = {"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
KEY = {"x-api-key": "sk-ant-test"}


@pytest.fixture
def small_cco(tmp_path: Path, fake_upstream: tuple[FakeAnthropic, ThreadedServer]) -> Iterator[ThreadedServer]:
    settings = {"max_body_bytes": 2000, "allowed_origins": ["https://allowed.example"]}
    config = load_config(str(write_config(tmp_path / "c", fake_upstream[1].url, settings=settings)))
    with running(create_app(config, tmp_path / "cco.db")) as server:
        yield server


def assert_error(response: httpx.Response, status: int, error_type: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["type"] == "error"
    assert document["error"]["type"] == error_type
    assert document["error"]["message"]
    assert "Traceback" not in response.text


def assert_still_serving(server: ThreadedServer) -> None:
    response = httpx.post(server.url + "/v1/messages", json=GOOD, headers=KEY)
    assert response.status_code == 200
    assert response.json()["content"][0]["type"] == "text"


def post(server: ThreadedServer, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        server.url + "/v1/messages",
        content=content,
        headers={"content-type": "application/json", **KEY, **headers},
    )


def test_malformed_json(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    assert_error(post(small_cco, b'{"model": "claude-x", "messages": [}'), 400, "invalid_request_error")
    assert fake.count() == 0
    assert_still_serving(small_cco)


def test_body_must_be_an_object(small_cco: ThreadedServer) -> None:
    assert_error(post(small_cco, b"[1, 2]"), 400, "invalid_request_error")
    assert_still_serving(small_cco)


def test_missing_model(small_cco: ThreadedServer) -> None:
    response = post(small_cco, b'{"max_tokens": 5, "messages": []}')
    assert_error(response, 400, "invalid_request_error")
    assert "model" in response.json()["error"]["message"]
    assert_still_serving(small_cco)


def test_oversized_body_with_content_length(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    big = b'{"model":"claude-x","messages":[],"pad":"' + b"x" * 5000 + b'"}'
    assert_error(post(small_cco, big), 413, "request_too_large")
    assert fake.count() == 0
    assert_still_serving(small_cco)


def test_oversized_chunked_body(small_cco: ThreadedServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"model":"claude-x","messages":[],"pad":"'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    response = httpx.post(
        small_cco.url + "/v1/messages", content=chunks(), headers={"content-type": "application/json", **KEY}
    )
    assert_error(response, 413, "request_too_large")
    assert_still_serving(small_cco)


def test_wrong_content_type(small_cco: ThreadedServer) -> None:
    response = httpx.post(
        small_cco.url + "/v1/messages",
        content=b"model=claude",
        headers={"content-type": "application/x-www-form-urlencoded", **KEY},
    )
    assert_error(response, 400, "invalid_request_error")
    assert "Content-Type" in response.json()["error"]["message"]
    assert_still_serving(small_cco)


def test_non_loopback_host_refused(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    response = post(small_cco, b'{"model":"claude-x","messages":[]}', host="evil.example:8000")
    assert_error(response, 403, "permission_error")
    assert fake.count() == 0
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert post(small_cco, b'{"model":"claude-x","messages":[]}', host=host).status_code == 200


def test_cross_origin_refused_unless_allowed(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    response = post(small_cco, b'{"model":"claude-x","messages":[]}', origin="https://evil.example")
    assert_error(response, 403, "permission_error")
    assert fake.count() == 0
    allowed = post(small_cco, b'{"model":"claude-x","messages":[]}', origin="https://allowed.example")
    assert allowed.status_code == 200


def test_garbage_on_the_socket_does_not_stop_the_server(small_cco: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", small_cco.port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
        sock.recv(1024)
    assert_still_serving(small_cco)


def test_unknown_route_is_anthropic_shaped_404(small_cco: ThreadedServer) -> None:
    assert_error(httpx.get(small_cco.url + "/nope"), 404, "not_found_error")


def test_probes_and_health(small_cco: ThreadedServer) -> None:
    assert httpx.head(small_cco.url + "/").status_code == 200
    assert httpx.get(small_cco.url + "/").status_code == 200
    assert httpx.head(small_cco.url + "/api/hello").status_code == 200
    health = httpx.get(small_cco.url + "/health").json()
    assert health["status"] == "ok"
    assert health["version"] == "2026.12.1"
    assert health["uptime_s"] >= 0


def test_allowed_origin_gets_cors_preflight_and_headers(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    origin = {"origin": "https://allowed.example"}
    preflight = httpx.options(
        small_cco.url + "/v1/messages",
        headers={
            **origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://allowed.example"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"]
    answer = httpx.post(small_cco.url + "/v1/messages", json=GOOD, headers={**KEY, **origin})
    assert answer.headers["access-control-allow-origin"] == "https://allowed.example"
    assert "x-cco-cache" in answer.headers["access-control-expose-headers"]
    refused = httpx.options(small_cco.url + "/v1/messages", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert fake.count() == 1  # preflights never reach the upstream


def test_messages_endpoints_take_post_only(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert_error(httpx.request(method, small_cco.url + "/v1/messages", headers=KEY), 405, "invalid_request_error")
    assert fake.count() == 0
    assert_still_serving(small_cco)


def test_empty_body_is_refused(small_cco: ThreadedServer, fake: FakeAnthropic) -> None:
    assert_error(post(small_cco, b""), 400, "invalid_request_error")
    assert fake.count() == 0


def test_own_endpoints_carry_a_request_id(small_cco: ThreadedServer) -> None:
    for path in ("/", "/health", "/api/cache/stats"):
        assert httpx.get(small_cco.url + path).headers["x-cco-request-id"].startswith("cco_")
