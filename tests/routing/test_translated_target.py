"""A conditional route whose target is translated (an OpenAI-compatible upstream): tools and streaming keep
working as on a plain translated route, and the Anthropic credential never reaches that upstream."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from cco_tui.config.settings import load_config
from cco_tui.server.app import create_app
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI, ToolCall, tool_reply
from tests.fakes.serve import running

TOOLS = [{"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {}}}]


def test_subagent_redirected_to_a_translated_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-route-key")
    fake_anthropic, fake_openai = FakeAnthropic(), FakeOpenAI()
    fake_openai.then(tool_reply(ToolCall("Bash", '{"command": "ls"}', "call_1")))
    with running(fake_anthropic) as a_server, running(fake_openai) as o_server:
        routes = [
            {"pattern": "claude-*", "when": {"agent": "subagent"}, "model": "gpt-4o", "name": "sub"},
            {"pattern": "^claude-", "provider": "anthropic", "endpoint": a_server.url + "/v1"},
            {"pattern": "gpt-*", "provider": "openai", "endpoint": o_server.url + "/v1"},
        ]
        config_dir = write_config(tmp_path / "c", a_server.url, routes=routes)
        with running(create_app(load_config(str(config_dir)), tmp_path / "cco.db")) as cco:
            client = anthropic.Anthropic(
                base_url=cco.url,
                api_key="sk-ant-client",
                max_retries=0,
                default_headers={"x-claude-code-agent-id": "a9"},
            )
            with client.messages.stream(
                model="claude-opus-4-8",
                max_tokens=256,
                tools=TOOLS,  # type: ignore[arg-type]
                thinking={"type": "enabled", "budget_tokens": 1024},
                messages=[{"role": "user", "content": "list files"}],
            ) as stream:
                final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [block.type for block in final.content][-1] == "tool_use"
    sent = fake_openai.last
    assert sent.body["model"] == "gpt-4o"
    assert "thinking" not in sent.body  # dropped, as on any translated route
    assert sent.headers["authorization"] == "Bearer sk-openai-route-key"
    assert fake_anthropic.count() == 0
