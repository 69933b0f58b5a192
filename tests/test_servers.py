"""The real-server fixtures themselves: up on loopback, down on request, back on the same port with their data."""

from __future__ import annotations

import socket

from tests.servers import PostgresServer, RedisServer
from tests.store.seeding import count


def _redis(server: RedisServer, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(command)
        return sock.recv(64)


def test_redis_stops_and_comes_back_on_its_port(redis_server: RedisServer, redis_url: str) -> None:
    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    assert _redis(redis_server, b"SET k v\r\n") == b"+OK\r\n"
    with redis_server.stopped():
        assert not redis_server.ping()
    assert redis_server.ping()
    assert _redis(redis_server, b"GET k\r\n") == b"$-1\r\n"  # no persistence: a restart starts empty


def test_postgres_stops_and_comes_back_with_its_data(postgres_server: PostgresServer, postgres_url: str) -> None:
    assert count(postgres_url, "SELECT 41 + 1") == 42
    with postgres_server.stopped():
        assert not postgres_server.ready()
    assert postgres_server.ready()
    assert count(postgres_url, "SELECT current_database()") == postgres_url.rsplit("/", 1)[1]
