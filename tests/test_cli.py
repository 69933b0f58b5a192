"""The `cco` command as users run it: version, config errors, busy port, remote bind, graceful stop."""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import write_config
from tests.fakes.process import headless_cco

REPO = Path(__file__).resolve().parents[1]


def cco(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cco_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )


def test_version() -> None:
    result = cco("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "2026.12.1"


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "cco"
    assert script.exists(), "pip install should create the `cco` console script"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30, check=False)
    assert result.stdout.strip() == "2026.12.1"


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_bad_json_names_file_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"max_body_bytes": 10,,}')
    line = one_line_error(cco("--headless", "--config", str(tmp_path)))
    assert str(tmp_path / "settings.json") in line
    assert "invalid JSON" in line


@pytest.mark.parametrize(
    ("file", "content", "key"),
    [
        ("settings.json", {"max_body_bytes": -1}, "max_body_bytes"),
        ("settings.json", {"cache": {"scope": "everyone"}}, "cache.scope"),
        (
            "model-routing.json",
            {"routes": [{"pattern": "^x", "provider": "martian", "endpoint": "http://x"}]},
            "routes[0].provider",
        ),
        (
            "model-routing.json",
            {"routes": [{"pattern": "^(", "provider": "anthropic", "endpoint": "http://x"}]},
            "routes[0].pattern",
        ),
        ("model-pricing.json", {"pricing": {"m": {"input": "cheap", "output": 1}}}, "input"),
        ("settings.json", {"max_bodybytes": 10}, "max_bodybytes"),
        ("settings.json", {"cache": {"ttl": 5}}, "cache.ttl"),
        (
            "model-routing.json",
            {"routes": [{"pattern": "a/*", "provider": "ollama", "endpoint": "http://x/v1", "model": "\\3"}]},
            "routes[0].model",
        ),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, file: str, content: dict, key: str) -> None:
    (tmp_path / file).write_text(json.dumps(content))
    line = one_line_error(cco("--headless", "--config", str(tmp_path)))
    assert file in line
    assert key in line


def test_fallback_loop_is_a_config_error(tmp_path: Path) -> None:
    routes = [
        {
            "pattern": "^claude-opus",
            "provider": "anthropic",
            "endpoint": "http://x/v1",
            "fallbacks": ["claude-sonnet-4-6"],
        },
        {
            "pattern": "^claude-",
            "provider": "anthropic",
            "endpoint": "http://x/v1",
            "fallbacks": ["claude-opus-4-8"],
        },
    ]
    (tmp_path / "model-routing.json").write_text(json.dumps({"routes": routes}))
    line = one_line_error(cco("--headless", "--config", str(tmp_path)))
    assert "fallback loop" in line
    assert "routes[0].fallbacks" in line


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(cco("--headless", "--port", str(port), "--db", str(tmp_path / "x.db")))
    assert str(port) in line
    assert "--port" in line


def test_non_loopback_bind_needs_allow_remote(tmp_path: Path) -> None:
    line = one_line_error(cco("--headless", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db")))
    assert "--allow-remote" in line


def test_headless_serves_and_stops_gracefully_on_sigterm(tmp_path: Path, fake_upstream) -> None:
    config = write_config(tmp_path / "c", fake_upstream[1].url)
    secret = "sk-ant-secret-never-logged"
    with headless_cco(config, tmp_path / "cco.db", "--log-level", "debug") as process:
        response = httpx.post(
            process.url + "/v1/messages",
            json={"model": "claude-x", "max_tokens": 1, "messages": []},
            headers={"x-api-key": secret},
        )
        assert response.status_code == 200
        assert process.stop() == 0
        stderr = process.log()
    assert "cco stopped" in stderr
    assert secret not in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_sigint_and_sighup_also_stop_and_flush(tmp_path: Path, fake_upstream, signum: int) -> None:
    import sqlite3

    config = write_config(tmp_path / "c", fake_upstream[1].url)
    db = tmp_path / "cco.db"
    with headless_cco(config, db) as process:
        httpx.post(
            process.url + "/v1/messages",
            headers={"x-api-key": "k"},
            json={"model": "claude-x", "max_tokens": 1, "messages": []},
        )
        process.process.send_signal(signum)
        assert process.process.wait(20) == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM request").fetchone()[0] == 1


def test_another_service_on_the_port_is_not_mistaken_for_cco(tmp_path: Path) -> None:
    from quart import Quart

    from tests.fakes.serve import running

    impostor = Quart("impostor")

    @impostor.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    with running(impostor) as server:
        result = subprocess.run(
            [sys.executable, "-m", "cco_tui", "--port", str(server.port), "--db", str(tmp_path / "x.db")],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=REPO,
            check=False,
        )
    line = one_line_error(result)
    assert str(server.port) in line


def test_headless_path_never_imports_textual() -> None:
    code = (
        "import sys, cco_tui.cli, cco_tui.runner, cco_tui.server.app;"
        "from cco_tui.cli import build_parser; build_parser();"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual');"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shutdown_is_bounded_with_an_open_stream(tmp_path: Path, fake_upstream) -> None:
    import threading
    import time

    from tests.fakes.anthropic_upstream import Reply, message, stream_events

    fake, upstream = fake_upstream
    fake.then(Reply(events=stream_events(message())[:2], hold_open=True))
    config = write_config(tmp_path / "c", upstream.url, settings={"shutdown_timeout_s": 1})
    with headless_cco(config, tmp_path / "cco.db") as process:
        body = {"model": "claude-x", "max_tokens": 5, "messages": [], "stream": True}
        opened = threading.Event()

        ended = threading.Event()

        def hold_a_stream() -> None:
            try:
                with httpx.stream(
                    "POST", process.url + "/v1/messages", json=body, headers={"x-api-key": "k"}, timeout=60
                ) as response:
                    opened.set()
                    for _ in response.iter_bytes():
                        pass
            except httpx.HTTPError:
                pass  # the server went away mid-stream: exactly what shutting down with an open stream means
            ended.set()

        threading.Thread(target=hold_a_stream, daemon=True).start()
        assert opened.wait(10)
        started = time.monotonic()
        assert process.stop(timeout=15) == 0
        assert time.monotonic() - started < 10
        assert ended.wait(10), "the client's stream should end when cco stops"


def test_unusable_database_is_one_line(tmp_path: Path) -> None:
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not a SQLite file" * 100)
    line = one_line_error(cco("--headless", "--db", str(not_a_db), "--port", "0"))
    assert "database" in line


def test_catch_all_route_may_list_its_own_fallback(tmp_path: Path) -> None:
    from cco_tui.config.routes import attempt_chain, parse_routes

    routes = parse_routes(
        {
            "routes": [
                {
                    "pattern": "^claude-",
                    "provider": "anthropic",
                    "endpoint": "http://x/v1",
                    "fallbacks": ["claude-sonnet-4-6"],
                },
            ]
        },
        "model-routing.json",
    )
    chain = [item.requested_model for item in attempt_chain(routes, "claude-opus-4-8")]
    assert chain == ["claude-opus-4-8", "claude-sonnet-4-6"]


@pytest.mark.parametrize(("name", "value"), [("CCO_PORT", "abc"), ("CCO_PORT", "99999"), ("CCO_LOG_LEVEL", "loud")])
def test_bad_environment_values_are_one_line(name: str, value: str, tmp_path: Path) -> None:
    import os

    result = subprocess.run(
        [sys.executable, "-m", "cco_tui", "--headless", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        check=False,
        env={**os.environ, name: value},
    )
    line = one_line_error(result)
    assert name in line


def test_bad_flag_values_are_reported_by_argparse() -> None:
    result = cco("--port", "http")
    assert result.returncode == 2
    assert "not a port number" in result.stderr
    assert "Traceback" not in result.stderr


def test_stats_and_export_through_the_cco_command(tmp_path: Path, fake_upstream) -> None:
    """The report subcommands as users type them: `cco stats`, `cco export`."""
    import csv
    import io

    config = write_config(tmp_path / "c", fake_upstream[1].url)
    db = tmp_path / "cco.db"
    with headless_cco(config, db) as process:
        for n in range(3):
            httpx.post(
                process.url + "/v1/messages",
                headers={"x-api-key": "k", "x-cco-project": "reports"},
                json={
                    "model": "claude-sonnet-4-6",
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": f"q{n}"}],
                },
            )
        process.stop()
    table = cco("stats", "--db", str(db))
    assert table.returncode == 0, table.stderr
    assert "reports" in table.stdout
    as_json = cco("stats", "--db", str(db), "--json", "--project", "reports")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["totals"]["requests"] == 3
    exported = cco("export", "--db", str(db), "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == 3
    assert {row["project"] for row in rows} == {"reports"}


def seeded_reports_db(tmp_path: Path) -> Path:
    """A priced model, an unpriced one (with a free error row, which made `$/call` read `$0.00`), and a
    request whose body named no model, written through the real writer."""
    from tests.tui.seed import NOW, history, record, write_records

    db = tmp_path / "reports.db"
    rows = [*history()[:400], record(NOW - 60, model="mystery-model"), record(NOW - 50, model="mystery-model")]
    rows += [record(NOW - 40, model="mystery-model", status=529), record(NOW - 30, model="", status=400)]
    write_records(db, rows)
    return db


def test_stats_never_prints_an_unpriced_model_as_free(tmp_path: Path) -> None:
    result = cco("stats", "--db", str(seeded_reports_db(tmp_path)))
    assert result.returncode == 0, result.stderr
    mystery = next(line for line in result.stdout.splitlines() if "mystery-model" in line)
    cost = mystery.split()[2:4]  # the cost column, after name and requests ("$0.00" further on is its savings)
    assert cost == ["2", "unpriced"] and "0.0000" not in mystery, mystery
    cost_line = next(line for line in result.stdout.splitlines() if line.strip().startswith("cost"))
    assert cost_line.rstrip().endswith("+ 2 unpriced"), result.stdout  # the totals, as the Terminal tab says it
    nameless = [line for line in result.stdout.splitlines() if line.startswith("  (no model)")]
    assert len(nameless) == 1, result.stdout


@pytest.mark.parametrize("command", ["stats", "export"])
def test_reports_into_a_closed_pipe_exit_quietly(tmp_path: Path, command: str) -> None:
    """`cco stats | head -1`: the reader is gone before cco writes; no BrokenPipeError traceback, exit 0."""
    db = seeded_reports_db(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "cco_tui", command, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `head -1` after its line, but before anything was written: always hits
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=30) == 0, stderr
    assert stderr == ""


@pytest.mark.parametrize("command", ["stats", "export"])
def test_reports_piped_into_head(tmp_path: Path, command: str) -> None:
    db = seeded_reports_db(tmp_path)
    script = f"{shlex.quote(sys.executable)} -m cco_tui {command} --db {shlex.quote(str(db))} | head -1; "
    script += 'exit "${PIPESTATUS[0]}"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert len(result.stdout.splitlines()) == 1
