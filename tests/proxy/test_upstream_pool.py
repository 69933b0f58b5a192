"""The upstream pool's choice of route out: environment proxies, except for loopback and NO_PROXY hosts."""

from __future__ import annotations

import httpcore
import pytest

from cco_tui.providers.http import Upstream


@pytest.fixture
def proxied_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")


async def test_remote_hosts_use_the_environment_proxy(proxied_env: None) -> None:
    upstream = Upstream()
    pool = upstream.pool_for(httpcore.URL("https://api.anthropic.com/v1/messages"))
    assert isinstance(pool, httpcore.AsyncHTTPProxy)
    await upstream.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:11434/v1/messages",
        "http://localhost:8080/v1/chat/completions",
        "https://internal.example/v1/messages",
    ],
)
async def test_loopback_and_no_proxy_hosts_go_direct(proxied_env: None, url: str) -> None:
    upstream = Upstream()
    assert not isinstance(upstream.pool_for(httpcore.URL(url)), httpcore.AsyncHTTPProxy)
    await upstream.aclose()
