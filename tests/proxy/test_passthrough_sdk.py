"""The real anthropic SDK through cco: what the SDK sends is what the upstream receives, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import httpx2
import pytest

from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message, stream_events
from tests.fakes.serve import ThreadedServer

TOOL_INPUT = {"command": "ls -la /tmp", "description": "List files", "timeout": 1200}


class Capture:
    """Keeps the bytes the SDK put on the wire, to compare with what the upstream got.

    (The anthropic SDK's transport is httpx2, so the hook is on an httpx2 client.)
    """

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: httpx2.Request) -> None:
        self.bodies.append(request.read())
        self.headers.append({name.lower(): value for name, value in request.headers.items()})


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def client(cco: ThreadedServer, capture: Capture) -> Iterator[anthropic.Anthropic]:
    http = httpx2.Client(event_hooks={"request": [capture]})
    yield anthropic.Anthropic(base_url=cco.url, api_key="sk-ant-test-key", http_client=http, max_retries=0)
    http.close()


def ask(client: anthropic.Anthropic, **extra: object) -> anthropic.types.Message:
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=100, messages=[{"role": "user", "content": "hi"}], **extra
    )


def test_non_stream_body_is_forwarded_byte_for_byte(client, fake: FakeAnthropic, capture: Capture) -> None:
    reply = ask(
        client,
        metadata={"user_id": "u-1"},
        system=[{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
    )
    assert reply.content[0].text == "Hello from the fake upstream."
    assert reply.usage.input_tokens == 25
    assert fake.last.body == capture.bodies[-1]
    assert b'"cache_control":{"type":"ephemeral"}' in fake.last.body.replace(b" ", b"")


def test_unknown_fields_and_key_order_survive(cco: ThreadedServer, fake: FakeAnthropic) -> None:
    body = b'{"zeta":1,"model":"claude-sonnet-4-6","max_tokens":5,  "messages":[],"future_field":{"a":[1,2]}}'
    response = httpx.post(
        cco.url + "/v1/messages", content=body, headers={"content-type": "application/json", "x-api-key": "k"}
    )
    assert response.status_code == 200
    assert fake.last.body == body


def test_stream_text_relayed(client, fake: FakeAnthropic, capture: Capture) -> None:
    with client.messages.stream(
        model="claude-sonnet-4-6", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = stream.get_final_text()
        final = stream.get_final_message()
    assert text == "Hello from the fake upstream."
    assert final.usage.output_tokens == 12
    assert fake.last.body == capture.bodies[-1]


def test_stream_tool_use_fragments_reassemble(client, fake: FakeAnthropic) -> None:
    tool = {"type": "tool_use", "id": "toolu_01", "name": "Bash", "input": TOOL_INPUT}
    msg = message(content=[{"type": "text", "text": "Let me look."}, tool], stop_reason="tool_use")
    fake.then(Reply(events=stream_events(msg, fragments=6)))
    with client.messages.stream(
        model="claude-sonnet-4-6", max_tokens=100, messages=[{"role": "user", "content": "list"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert final.content[1].type == "tool_use"
    assert final.content[1].input == TOOL_INPUT


def test_pings_and_events_arrive_in_order(cco: ThreadedServer, fake: FakeAnthropic) -> None:
    body = b'{"model":"claude-sonnet-4-6","max_tokens":5,"messages":[],"stream":true}'
    with httpx.stream(
        "POST",
        cco.url + "/v1/messages",
        content=body,
        headers={"content-type": "application/json", "x-api-key": "k"},
    ) as response:
        raw = b"".join(response.iter_bytes())
    names = [line[7:] for line in raw.decode().splitlines() if line.startswith("event: ")]
    assert names[:2] == ["message_start", "ping"]
    assert names[-2:] == ["message_delta", "message_stop"]
    assert response.headers["content-type"].startswith("text/event-stream")


def test_count_tokens(client, fake: FakeAnthropic, capture: Capture) -> None:
    result = client.messages.count_tokens(model="claude-sonnet-4-6", messages=[{"role": "user", "content": "x"}])
    assert result.input_tokens == 42
    assert fake.last.path == "/v1/messages/count_tokens"
    assert fake.last.body == capture.bodies[-1]


def test_models_list_and_retrieve(client, fake: FakeAnthropic) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == ["claude-sonnet-4-6"]
    assert client.models.retrieve("claude-opus-4-5").id == "claude-opus-4-5"
    assert fake.last.path == "/v1/models/claude-opus-4-5"


def test_beta_query_and_headers_kept(client, fake: FakeAnthropic, capture: Capture) -> None:
    client.beta.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=10,
        betas=["context-1m-2025-08-07", "x-y"],
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-custom": "kept", "x-claude-code-session-id": "s-1"},
        extra_query={"beta": "true"},
    )  # what Claude Code sends
    received = fake.last
    assert received.query == b"beta=true"
    assert received.headers["anthropic-beta"] == "context-1m-2025-08-07,x-y"
    assert received.headers["anthropic-custom"] == "kept"
    sent = capture.headers[-1]
    for name in ("authorization", "anthropic-version", "user-agent", "x-stainless-lang", "content-type"):
        assert received.headers[name] == sent[name]
    assert received.headers["authorization"] == "Bearer sk-ant-test-key"
    assert received.body == capture.bodies[-1]


def test_host_is_the_upstreams_not_ccos(cco: ThreadedServer, fake_upstream) -> None:
    fake, upstream = fake_upstream
    httpx.post(
        cco.url + "/v1/messages",
        json={"model": "claude-x", "max_tokens": 1, "messages": []},
        headers={"x-api-key": "k"},
    )
    assert fake.last.headers["host"] == f"127.0.0.1:{upstream.port}"


def test_upstream_response_headers_come_back(cco: ThreadedServer, fake: FakeAnthropic) -> None:
    fake.then(
        Reply(
            body=message(),
            headers={
                "request-id": "req_abc",
                "anthropic-ratelimit-requests-remaining": "49",
                "retry-after": "3",
            },
        )
    )
    response = httpx.post(
        cco.url + "/v1/messages",
        json={"model": "claude-x", "max_tokens": 1, "messages": []},
        headers={"x-api-key": "k"},
    )
    assert response.headers["request-id"] == "req_abc"
    assert response.headers["anthropic-ratelimit-requests-remaining"] == "49"
    assert response.headers["retry-after"] == "3"
    assert response.headers["x-cco-request-id"].startswith("cco_")
    assert float(response.headers["x-cco-overhead-ms"]) >= 0


def test_environment_key_added_only_without_client_credential(
    cco: ThreadedServer, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    body = {"model": "claude-x", "max_tokens": 1, "messages": []}
    httpx.post(cco.url + "/v1/messages", json=body)
    assert fake.last.headers["x-api-key"] == "sk-ant-from-env"
    httpx.post(cco.url + "/v1/messages", json=body, headers={"authorization": "Bearer oauth-token"})
    assert "x-api-key" not in fake.last.headers
    assert fake.last.headers["authorization"] == "Bearer oauth-token"
