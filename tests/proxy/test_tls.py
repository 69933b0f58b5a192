"""HTTPS on cco's own port: a certificate made here (trustme), the real anthropic SDK and the real Claude Code CLI
over TLS, and the refusals that keep tokens and prompts off the network in the clear."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import pytest
import trustme

from tests.claude_cli.claude import run_json
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.process import CcoProcess, headless_cco

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_files(tmp_path: Path, authority: trustme.CA) -> tuple[Path, Path, Path]:
    """(certificate, key, CA) for 127.0.0.1 and localhost, as PEM files."""
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca = tmp_path / "cco.pem", tmp_path / "cco.key", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    return cert, key, ca


@pytest.fixture
def https_cco(config_dir: Path, tmp_path: Path, tls_files: tuple[Path, Path, Path]) -> Iterator[CcoProcess]:
    cert, key, ca = tls_files
    extra = ("--tls-cert", str(cert), "--tls-key", str(key))
    trust = ssl.create_default_context(cafile=str(ca))
    with headless_cco(config_dir, tmp_path / "cco.db", *extra, scheme="https", verify=trust) as process:
        yield process


def cco(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cco_tui", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO, check=False)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_sdk_streams_over_https(https_cco: CcoProcess, tls_files: tuple[Path, Path, Path], fake: FakeAnthropic) -> None:
    ca = tls_files[2]
    with anthropic.DefaultHttpxClient(verify=ssl.create_default_context(cafile=str(ca))) as http:
        client = anthropic.Anthropic(base_url=https_cco.url, api_key="sk-ant-tls", http_client=http)
        with client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            assert stream.get_final_text() == "Hello from the fake upstream."
    assert "sk-ant-tls" in (fake.last.headers.get("x-api-key"), fake.last.headers.get("authorization", "")[7:])


def test_plain_http_and_old_tls_are_refused_on_the_https_port(
    https_cco: CcoProcess, tls_files: tuple[Path, Path, Path]
) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(https_cco.url.replace("https://", "http://") + "/health", timeout=5)
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(tls_files[2]))
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point of this check
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(httpx.HTTPError):
        httpx.get(https_cco.url + "/health", verify=old, timeout=5)


@pytest.mark.claude_cli
def test_claude_code_completes_a_streamed_request_over_https(
    https_cco: CcoProcess, tls_files: tuple[Path, Path, Path], tmp_path: Path, fake: FakeAnthropic
) -> None:
    env = {"NODE_EXTRA_CA_CERTS": str(tls_files[2])}
    result = run_json(https_cco.url, tmp_path, tmp_path / "home", "say hello", env=env)
    assert result["result"] == "Hello from the fake upstream."
    assert fake.last.json()["stream"] is True


def test_remote_bind_without_tls_refuses_to_start(tmp_path: Path) -> None:
    line = one_line_error(cco("--headless", "--host", "0.0.0.0", "--allow-remote", "--db", str(tmp_path / "x.db")))
    assert "--tls-cert" in line and "--behind-tls-proxy" in line


def test_mismatched_key_names_the_key_file(tmp_path: Path, authority: trustme.CA) -> None:
    first, second = authority.issue_cert("127.0.0.1"), authority.issue_cert("127.0.0.1")
    first.cert_chain_pems[0].write_to_path(str(tmp_path / "a.pem"))
    second.private_key_pem.write_to_path(str(tmp_path / "b.key"))
    line = one_line_error(
        cco("--headless", "--tls-cert", str(tmp_path / "a.pem"), "--tls-key", str(tmp_path / "b.key"))
    )
    assert str(tmp_path / "b.key") in line and "does not match" in line


def test_unreadable_certificate_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "k.key").write_text("x")
    line = one_line_error(
        cco("--headless", "--tls-cert", str(tmp_path / "missing.pem"), "--tls-key", str(tmp_path / "k.key"))
    )
    assert str(tmp_path / "missing.pem") in line and "cannot read" in line


def test_tls_in_settings_needs_both_files(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"tls": {"cert": "/x.pem"}}))
    line = one_line_error(cco("--headless", "--config", str(tmp_path)))
    assert "settings.json" in line and "tls.key" in line
