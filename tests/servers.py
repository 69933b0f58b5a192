"""Real redis-server and PostgreSQL for the tests, started on free loopback ports in temporary directories.

Both come from Debian's packages (.ci/run installs them). Missing binaries skip the tests that need them on a
developer's machine, and fail them in CI (CI=true), where a skip would hide a broken install step.
PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user (runuser), in a directory
that user owns. Servers are session-scoped (start-up costs seconds); each test gets its own database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_USER = "cco"
PG_PASSWORD = "cco-test-pw"
_START_TIMEOUT_S = 30.0


def missing(reason: str) -> None:
    """Skip locally, fail in CI: CI installs every server these tests use."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check: object, what: str, timeout: float = _START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s")


class RedisServer:
    """One redis-server process without persistence; stop()/start() keep its port."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary, self.directory, self.port = binary, directory, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self.ping, f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    @contextlib.contextmanager
    def stopped(self, seconds: float = 0.0) -> Iterator[None]:
        """Redis down for the body (and at least `seconds`), back up on the same port afterwards."""
        self.stop()
        began = time.monotonic()
        try:
            yield
            time.sleep(max(seconds - (time.monotonic() - began), 0))
        finally:
            self.start()


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory; stop()/start() keep its data and port."""

    def __init__(self, bin_dir: Path, directory: Path, run_as: str | None) -> None:
        self.bin_dir, self.directory, self.run_as = bin_dir, directory, run_as
        self.port = free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)

    def init(self) -> None:
        password_file = self.directory / "pw"
        password_file.write_text(PG_PASSWORD + "\n")
        self._chown(password_file)
        self._run(
            "initdb", "-D", str(self.data), "-U", PG_USER, "--auth=scram-sha-256",
            f"--pwfile={password_file}", "--no-sync", "--encoding=UTF8", "--locale=C",
        )  # fmt: skip

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def start(self, attempts: int = 3) -> None:
        """Start on our port; a port taken meanwhile by someone else (free_port() is only a guess) moves us."""
        for attempt in range(attempts):
            options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
            options += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            log = self.directory / "log"
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
                break
            except subprocess.CalledProcessError:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                if attempt == attempts - 1 or "could not" not in tail:
                    raise RuntimeError(f"PostgreSQL did not start on port {self.port}:\n{tail}") from None
                self.port = free_port()
        _wait_for(self.ready, f"PostgreSQL on port {self.port}")

    def ready(self) -> bool:
        probe = [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        return subprocess.run(probe, check=False, timeout=10).returncode == 0

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @contextlib.contextmanager
    def stopped(self, seconds: float = 0.0) -> Iterator[None]:
        """PostgreSQL down for the body (and at least `seconds`), then started again with its data."""
        self.stop()
        began = time.monotonic()
        try:
            yield
            time.sleep(max(seconds - (time.monotonic() - began), 0))
        finally:
            self.start()

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
        args = [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, name]
        subprocess.run(args, check=True, capture_output=True, env=env, timeout=30)
        return self.url(name)

    def _chown(self, path: Path) -> None:
        if self.run_as:
            shutil.chown(path, self.run_as, self.run_as)


def postgres_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL's bin directory, or one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _postgres_user() -> str | None:
    """Who runs PostgreSQL: ourselves unless we are root (it refuses root), then `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run(["id", "-u", "postgres"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        missing("running as root and there is no `postgres` user to run PostgreSQL as")
    return "postgres"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not installed (apt-get install redis-server)")
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="cco-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        missing("PostgreSQL is not installed (apt-get install postgresql)")
    assert bin_dir is not None
    run_as = _postgres_user()
    directory = Path(tempfile.mkdtemp(prefix="cco-pg-"))  # not under pytest's root-only tmp dirs
    server = PostgresServer(bin_dir, directory, run_as)
    try:
        server._chown(directory)
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh database on the session's PostgreSQL (running: a test that stopped it restarted it)."""
    if not postgres_server.ready():
        postgres_server.start()
    return postgres_server.create_database()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The session's Redis, emptied for this test."""
    if not redis_server.ping():
        redis_server.start()
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        sock.recv(16)
    yield redis_server.url
