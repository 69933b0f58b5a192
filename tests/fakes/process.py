"""cco as a real process (`python -m cco_tui --headless`), the way users and Docker run it."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class CcoProcess:
    process: subprocess.Popen[bytes]
    port: int
    url: str
    log_path: Path

    def log(self) -> str:
        """Everything cco wrote to stderr so far (a file, not a pipe: a full pipe would block cco)."""
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as Docker and systemd stop it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], timeout: float = 30, verify: ssl.SSLContext | bool = True
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cco exited early with {process.returncode}")
        try:
            if httpx.get(url + "/health", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError("cco did not become healthy")


@contextmanager
def headless_cco(
    config_dir: Path,
    db_path: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,  # for https: trusts the CA that signed cco's certificate
    cwd: Path | None = None,  # where cco runs: `-m` puts it first on sys.path (a bench's A/B of another tree)
) -> Iterator[CcoProcess]:
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "cco_tui",
        "--headless",
        "--port",
        str(port),
        "--config",
        str(config_dir),
        "--db",
        str(db_path),
        *extra,
    ]
    log_path = db_path.with_name(f"cco-{port}.log")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=log_file, env={**os.environ, **(env or {})}, cwd=cwd
        )
    cco = CcoProcess(process, port, f"{scheme}://127.0.0.1:{port}", log_path)
    try:
        try:
            wait_healthy(cco.url, process, verify=verify)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}; cco said: {cco.log()[-3000:]}") from None
        yield cco
    finally:
        if process.poll() is None:
            try:
                cco.stop()
            except subprocess.TimeoutExpired:
                process.kill()
