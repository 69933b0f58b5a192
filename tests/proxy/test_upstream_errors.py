"""Upstream failures reach the client exactly as the upstream said them, or as Anthropic-shaped cco errors."""

from __future__ import annotations

import time

import anthropic
import httpx
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, error_reply, message, stream_events
from tests.fakes.serve import ThreadedServer, running

CASES = [
    (400, "invalid_request_error", anthropic.BadRequestError),
    (401, "authentication_error", anthropic.AuthenticationError),
    (429, "rate_limit_error", anthropic.RateLimitError),
    (500, "api_error", anthropic.InternalServerError),
    (529, "overloaded_error", anthropic.APIStatusError),
]


@pytest.mark.parametrize(("status", "error_type", "exception"), CASES)
def test_error_status_type_and_headers_reach_the_sdk(
    cco: ThreadedServer, fake: FakeAnthropic, status: int, error_type: str, exception: type[Exception]
) -> None:
    fake.then(error_reply(status, error_type, f"upstream says {status}", {"retry-after": "7"}))
    client = anthropic.Anthropic(base_url=cco.url, api_key="k", max_retries=0)
    with pytest.raises(exception) as caught:
        client.messages.create(model="claude-x", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    error = caught.value
    assert isinstance(error, anthropic.APIStatusError)
    assert error.status_code == status
    assert error.body["error"]["type"] == error_type  # type: ignore[index]
    assert error.body["error"]["message"] == f"upstream says {status}"  # type: ignore[index]
    assert error.request_id == "req_fake_err"
    assert error.response.headers["retry-after"] == "7"


def test_error_event_mid_stream_reaches_the_sdk(cco: ThreadedServer, fake: FakeAnthropic) -> None:
    events = stream_events(message())[:4]
    events.append(("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
    fake.then(Reply(events=events))
    client = anthropic.Anthropic(base_url=cco.url, api_key="k", max_retries=0)
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(model="claude-x", max_tokens=5, messages=[{"role": "user", "content": "hi"}]) as stream,
    ):
        stream.get_final_message()
    assert "Overloaded" in str(caught.value)


def test_client_disconnect_closes_the_upstream_stream(cco: ThreadedServer, fake: FakeAnthropic) -> None:
    fake.then(Reply(events=stream_events(message())[:3], hold_open=True))
    body = {"model": "claude-x", "max_tokens": 5, "messages": [], "stream": True}
    with httpx.stream("POST", cco.url + "/v1/messages", json=body, headers={"x-api-key": "k"}) as response:
        first = next(response.iter_bytes())
        assert b"message_start" in first
    assert fake.stream_closed.wait(10), "the upstream stream was never closed"
    deadline = time.monotonic() + 10
    while fake.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.disconnects == 1


def test_unreachable_upstream_is_502_and_server_keeps_serving(tmp_path) -> None:
    closed_port_url = "http://127.0.0.1:9"  # discard port: nothing listens
    config = load_config(str(write_config(tmp_path / "c", closed_port_url)))
    with running(create_app(config, tmp_path / "cco.db")) as cco:
        for _ in range(2):
            response = httpx.post(
                cco.url + "/v1/messages",
                json={"model": "claude-x", "messages": []},
                headers={"x-api-key": "k"},
            )
            assert response.status_code == 502
            assert response.json()["type"] == "error"
            assert response.json()["error"]["type"] == "api_error"
        assert httpx.get(cco.url + "/health").status_code == 200


def _slow_upstream_config(tmp_path, upstream: ThreadedServer):
    routes = [{"pattern": "^claude-", "provider": "anthropic", "endpoint": upstream.url + "/v1", "timeout_ms": 300}]
    return load_config(str(write_config(tmp_path / "c", upstream.url, routes=routes)))


def test_upstream_timeout_before_headers_is_504(tmp_path) -> None:
    fake = FakeAnthropic().then(Reply(body=message(), head_delay_s=2.0))
    with (
        running(fake) as upstream,
        running(create_app(_slow_upstream_config(tmp_path, upstream), tmp_path / "cco.db")) as cco,
    ):
        response = httpx.post(
            cco.url + "/v1/messages", json={"model": "claude-x", "messages": []}, headers={"x-api-key": "k"}
        )
        assert response.status_code == 504
        assert response.json()["error"]["type"] == "timeout_error"
        assert (
            httpx.post(
                cco.url + "/v1/messages",
                json={"model": "claude-x", "messages": []},
                headers={"x-api-key": "k"},
            ).status_code
            == 200
        )


def test_upstream_stall_mid_stream_ends_with_error_event(tmp_path) -> None:
    fake = FakeAnthropic().then(Reply(events=stream_events(message()), delay_s=1.0))
    with (
        running(fake) as upstream,
        running(create_app(_slow_upstream_config(tmp_path, upstream), tmp_path / "cco.db")) as cco,
    ):
        body = {"model": "claude-x", "max_tokens": 5, "messages": [], "stream": True}
        response = httpx.post(cco.url + "/v1/messages", json=body, headers={"x-api-key": "k"})
    assert response.status_code == 200
    assert response.content.rstrip().endswith(b"}")
    assert b"event: error" in response.content
    assert b"timeout_error" in response.content
