"""HTTP-level edges: a stalled body (408), HTTP/1.0 without Host, methods, the upstream's Server header, file modes."""

from __future__ import annotations

import socket
import stat
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.anthropic_upstream import Reply, message
from tests.reliability.conftest import BODY, KEY, anthropic_error, body_of, raw_exchange, rows, serve, status_of


def test_stalled_body_gets_a_408(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream, settings={"body_timeout_s": 1}) as server:
        head = (
            b"POST /v1/messages HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\n"
            b"x-api-key: k\r\ncontent-length: 1000\r\n\r\n"
        )
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head + b'{"model":')  # 9 of the 1000 bytes, then silence
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
                if b"}}" in answer:
                    break
        elapsed = time.monotonic() - started
    assert status_of(answer) == 408, answer
    assert body_of(answer)["error"]["type"] == "timeout_error"
    assert 0.9 < elapsed < 8
    assert fake.count() == 0
    assert [(r["status"], r["error_type"]) for r in rows(tmp_path / "cco.db")] == [(408, "timeout_error")]


def test_body_timeout_is_validated(tmp_path: Path) -> None:
    from cco_tui.config.errors import ConfigError
    from cco_tui.config.settings import parse_settings

    assert parse_settings({}, "settings.json").body_timeout_s == 60
    with pytest.raises(ConfigError, match="body_timeout_s"):
        parse_settings({"body_timeout_s": 0}, "settings.json")


@pytest.mark.parametrize("path", ["/v1/models", "/v1/messages", "/health", "/api/stats", "/"])
def test_http10_without_host_is_judged_the_same_everywhere(tmp_path: Path, fake_upstream, path: str) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        answer = raw_exchange(server.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())
    assert status_of(answer) == 403, answer
    assert body_of(answer)["error"]["type"] == "permission_error"
    assert fake.count(path) == 0


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PUT", "PATCH", "PROPFIND", "FOO"])
def test_only_the_apis_methods_are_forwarded(tmp_path: Path, fake_upstream, method: str) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        for path in ("/v1/models", "/v1/files/file_1", "/v1/messages"):
            request = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nx-api-key: k\r\nConnection: close\r\n\r\n"
            answer = raw_exchange(server.port, request.encode())
            assert status_of(answer) == 405, answer
            assert body_of(answer)["type"] == "error"
    assert fake.received == []


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_the_apis_methods_still_go_through(tmp_path: Path, fake_upstream, method: str) -> None:
    fake, upstream = fake_upstream
    with serve(tmp_path, upstream) as server:
        response = httpx.request(method, server.url + "/v1/files/file_1", headers=KEY, timeout=10)
    assert response.status_code == 200
    assert fake.last.method == method


def test_upstream_server_header_is_not_relayed(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.then(Reply(body=message(), headers={"server": "FakeUpstream/1.0", "request-id": "req_1"}))
    with serve(tmp_path, upstream) as server:
        response = httpx.post(server.url + "/v1/messages", json=BODY, headers=KEY, timeout=10)
    assert response.status_code == 200
    assert "FakeUpstream" not in " ".join(response.headers.get_list("server"))
    assert response.headers["request-id"] == "req_1"


def test_data_files_are_private(tmp_path: Path, fake_upstream) -> None:
    _fake, upstream = fake_upstream
    db = tmp_path / "cco.db"
    db.touch(mode=0o644)  # left world-readable by an older cco
    db.chmod(0o644)
    with serve(tmp_path, upstream, settings={"cache": {"persist": True}}) as server:
        response = httpx.post(server.url + "/v1/messages", json=BODY, headers=KEY, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 10
        while not rows(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        files = [p for p in tmp_path.iterdir() if p.name.startswith(("cco.db", "response-cache"))]
        assert {p.name for p in files} >= {"cco.db", "cco.db-wal", "cco.db-shm"}
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_stats_api_rejects_garbage_the_same_way(cco) -> None:
    anthropic_error(httpx.get(cco.url + "/api/requests", params={"limit": "1" * 50}, timeout=10), 400)
