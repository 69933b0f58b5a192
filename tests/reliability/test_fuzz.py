"""A bounded fuzz run against cco as a real process: malformed HTTP on raw sockets and malformed JSON bodies.

What must hold for every input: no traceback on cco's stderr, no 5xx made by cco (the fake upstream always
answers 200, so any 5xx would be cco's), and every error cco makes itself is in Anthropic's shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message
from tests.fakes.process import CcoProcess, headless_cco
from tests.fakes.serve import running
from tests.reliability.conftest import raw_exchange, status_of

CLIENT = httpx.Client(timeout=30)  # keep-alive: the fuzz measures cco's answers, not connection set-up
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def cco_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CcoProcess]:
    fake = FakeAnthropic(record=False)
    fake.responder = lambda _: Reply(body=message())  # never fails, whatever it is sent
    directory = tmp_path_factory.mktemp("fuzz")
    with running(fake) as upstream:
        config = write_config(directory / "c", upstream.url, settings={"body_timeout_s": 0.3})
        with headless_cco(config, directory / "cco.db") as cco:
            yield cco
            log = cco.log()
    assert "Traceback" not in log, log[-5000:]


def split_response(raw: bytes) -> tuple[int | None, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return status_of(raw), headers, body


def check_answer(status: int | None, headers: dict[str, str], body: bytes) -> None:
    if status is None:
        return  # closed without an answer (malformed beyond HTTP, or the client "left")
    assert status < 500, (status, body[:300])
    if status >= 400 and "x-cco-request-id" in headers and "application/json" in headers.get("content-type", ""):
        document = json.loads(body) if "transfer-encoding" not in headers else None
        if document is not None:
            assert document["type"] == "error" and isinstance(document["error"]["message"], str), document


TOKEN = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=0, max_size=12)
METHODS = st.sampled_from(["GET", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PUT", "BREW"]) | TOKEN
PATHS = st.sampled_from(["/v1/messages", "/v1/models", "/v1/messages/count_tokens", "/health", "/api/stats"]).map(
    lambda p: p
) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40).map(lambda t: "/v1/" + t)
HEADER = st.tuples(TOKEN, st.binary(max_size=30))
BODIES = st.binary(max_size=200) | st.just(b'{"model":"claude-sonnet-4-6","messages":[]}')


@st.composite
def raw_requests(draw: Any) -> bytes:
    method, path = draw(METHODS), draw(PATHS)
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/9.9", ""]))
    body = draw(BODIES)
    lines = [f"{method} {path} {version}".encode("latin-1", "replace")]
    if draw(st.booleans()):
        lines.append(b"Host: localhost")
    lines.append(b"Connection: close")
    length = draw(st.sampled_from([len(body), 0, len(body) + 5, -1, None]))
    if length is not None:
        lines.append(b"Content-Length: " + str(length).encode())
    if draw(st.booleans()):
        lines.append(b"Content-Type: application/json")
    for name, value in draw(st.lists(HEADER, max_size=4)):
        lines.append(name.encode("latin-1", "replace") + b": " + value.replace(b"\r", b"").replace(b"\n", b""))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@FUZZ
@given(request=raw_requests())
def test_malformed_http(cco_process: CcoProcess, request: bytes) -> None:
    check_answer(*split_response(raw_exchange(cco_process.port, request, timeout=3)))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(["model", "messages", "max_tokens", "stream", "system", "tools", "metadata", "x"])
DOCUMENTS = st.dictionaries(FIELDS, JSON_VALUES | st.just("claude-sonnet-4-6"), max_size=6) | JSON_VALUES


@FUZZ
@given(document=DOCUMENTS, gzip_it=st.booleans(), raw=st.binary(max_size=64))
def test_malformed_json(cco_process: CcoProcess, document: Any, gzip_it: bool, raw: bytes) -> None:
    import gzip

    for body in (json.dumps(document).encode(), raw):
        headers = {"content-type": "application/json", "x-api-key": "k"}
        if gzip_it:
            body, headers["content-encoding"] = gzip.compress(body), "gzip"
        response = CLIENT.post(cco_process.url + "/v1/messages", content=body, headers=headers)
        content_type = response.headers.get("content-type", "")
        assert response.status_code < 500, response.text[:300]
        if response.status_code >= 400 and "json" in content_type:
            assert response.json()["type"] == "error"
