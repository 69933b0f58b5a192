"""Stopping cco under load, as Docker and systemd do (SIGTERM) and as a crash does (kill -9), as a real process."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import Reply, message, stream_events
from tests.fakes.process import headless_cco
from tests.reliability.conftest import BODY, KEY, rows

WAITING = 8  # requests whose upstream has not answered yet when cco is stopped
STREAMING = 8  # streams under way when cco is stopped


def hanging(received: Any) -> Reply:
    if received.json().get("stream"):
        return Reply(events=stream_events(message())[:4], hold_open=True)
    return Reply(body=message(), head_delay_s=30)


def ask(url: str, number: int, stream: bool) -> tuple[int, bytes]:
    body = {**BODY, "stream": stream, "metadata": {"user_id": str(number)}, "max_tokens": 20 + number}
    with httpx.stream("POST", url + "/v1/messages", json=body, headers=KEY, timeout=60) as response:
        return response.status_code, response.read()


def test_sigterm_past_the_timeout_ends_every_request_cleanly(tmp_path: Path, fake_upstream) -> None:
    fake, upstream = fake_upstream
    fake.responder = hanging
    config = write_config(tmp_path / "c", upstream.url, settings={"shutdown_timeout_s": 1})
    with headless_cco(config, tmp_path / "cco.db") as cco, ThreadPoolExecutor(WAITING + STREAMING) as pool:
        jobs = [pool.submit(ask, cco.url, n, n >= WAITING) for n in range(WAITING + STREAMING)]
        deadline = time.monotonic() + 20
        while fake.count() < WAITING + STREAMING and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        cco.process.send_signal(signal.SIGTERM)
        answers = [job.result(timeout=30) for job in jobs]
        assert cco.process.wait(20) == 0
        log = cco.log()
    for status, body in answers[:WAITING]:
        assert status == 503, body
        assert json.loads(body)["error"]["type"] == "api_error"
    for status, body in answers[WAITING:]:
        assert status == 200
        last = body.rstrip().split(b"\n\n")[-1]
        assert last.startswith(b"event: error"), body[-300:]
    assert "Traceback" not in log and "CancelledError" not in log, log[-3000:]
    recorded = rows(tmp_path / "cco.db")
    assert len(recorded) == WAITING + STREAMING
    assert {(r["status"], r["error_type"]) for r in recorded} == {(503, "shutdown")}


def test_kill_9_under_load_loses_at_most_the_last_writer_batch(tmp_path: Path, fake_upstream) -> None:
    """Rows are committed by the writer thread at most `flush_ms` (200 ms) after the answer: a crash can lose
    the requests answered in that window (one batch, at most 500 rows), never the file's integrity."""
    _fake, upstream = fake_upstream
    config = write_config(tmp_path / "c", upstream.url, settings={"cache": {"enabled": False}})
    answered: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(url: str, worker: int) -> None:
        with httpx.Client(timeout=10) as client:
            number = 0
            while not stop.is_set():
                number += 1
                try:
                    response = client.post(url + "/v1/messages", json={**BODY, "stream": number % 2 == 0}, headers=KEY)
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    with lock:
                        answered.append(time.monotonic())

    with headless_cco(config, tmp_path / "cco.db") as cco:
        threads = [threading.Thread(target=load, args=(cco.url, w)) for w in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        cco.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        cco.process.wait(10)
        stop.set()
        for thread in threads:
            thread.join(10)
    acknowledged = len(answered)
    in_last_window = sum(1 for t in answered if t > killed_at - 1.0)  # generous: flush_ms is 0.2 s
    recorded = len(rows(tmp_path / "cco.db"))
    with sqlite3.connect(tmp_path / "cco.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert acknowledged > 50
    assert acknowledged - min(in_last_window, 500) <= recorded <= acknowledged + 8, (acknowledged, recorded)
    print(f"kill -9: {acknowledged} answers acknowledged, {recorded} rows, lost {acknowledged - recorded}")
