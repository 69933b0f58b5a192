"""What the proxy knows about one request, handed to RecordWriter.submit().

Plain data only: never prompt text, never keys. Costs are not here: the writer prices records in its
thread, so the event loop never does that work.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Literal

from cco_tui.costs.usage import Usage

CacheStatus = Literal["hit", "miss", "bypass", "refresh", "off"]

_CLIENT_FAMILIES = (
    (re.compile(r"^claude-cli/", re.IGNORECASE), "claude-cli"),
    (re.compile(r"^anthropic/python", re.IGNORECASE), "anthropic-sdk-python"),
    (re.compile(r"^anthropic/(?:js|typescript)", re.IGNORECASE), "anthropic-sdk-js"),
    (re.compile(r"^openai/python", re.IGNORECASE), "openai-python"),
    (re.compile(r"^openai/(?:js|typescript)", re.IGNORECASE), "openai-js"),
    (re.compile(r"^curl/", re.IGNORECASE), "curl"),
)


def client_family(user_agent: str | None) -> str:
    """A user-agent reduced to a small fixed set, so stats group by client and never store free text."""
    agent = (user_agent or "").strip()
    return next((family for pattern, family in _CLIENT_FAMILIES if pattern.match(agent)), "other")


@dataclass(slots=True)
class RequestRecord:
    request_id: str = ""
    ts_start: float = field(default_factory=time.time)  # epoch seconds when the request arrived
    project: str = "default"
    project_path: str | None = None
    session_id: str | None = None  # x-claude-code-session-id
    agent_id: str | None = None  # x-claude-code-agent-id (a subagent's calls)
    parent_agent_id: str | None = None  # x-claude-code-parent-agent-id
    request_class: str | None = None  # x-claude-code-request-class (a hint header)
    agent_type: str | None = None  # x-claude-code-agent-type (a hint header)
    client: str = "other"  # client_family(user-agent)
    endpoint: str = "/v1/messages"
    requested_model: str = ""
    served_model: str | None = None  # what the provider answered with (after routing)
    provider: str = ""
    stream: bool = False
    status: int = 0  # HTTP status sent to the client; 0 = no response (connection failure)
    error_type: str | None = None  # e.g. "overloaded_error", also for an error event after a 200
    # Billed tokens. On a cco cache hit nothing was billed: leave these 0 and fill original_*.
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    cache_status: CacheStatus = "off"
    attempts: int = 1
    latency_ms: float | None = None  # arrival → last byte sent
    ttfb_ms: float | None = None  # arrival → first byte sent
    upstream_ms: float | None = None  # time spent waiting on the provider
    overhead_ms: float | None = None  # cco's own share: latency minus upstream
    request_bytes: int = 0
    response_bytes: int = 0
    original_usage: Usage | None = None  # cache hits: the usage of the answer when it was first made
    original_model: str | None = None  # cache hits: the model that made it
    key_id: str | None = None  # the cco access token the request came with (its id, never the token)
    rule: str | None = None  # the rate limit or budget that refused it
    route: str | None = None  # the route that chose the served model (name, else index in model-routing.json)
    route_reason: str | None = None  # why that route: "pattern", "default", "fallback", or its `when`
    billing: str = "api"  # "subscription": a claude.ai plan paid for it, cost is API-equivalent (wire/credentials)

    @property
    def usage(self) -> Usage:
        return Usage(
            input=self.input_tokens,
            output=self.output_tokens,
            cache_write_5m=self.cache_write_5m_tokens,
            cache_write_1h=self.cache_write_1h_tokens,
            cache_read=self.cache_read_tokens,
        )

    def set_usage(self, usage: Usage) -> None:
        self.input_tokens = usage.input
        self.output_tokens = usage.output
        self.cache_write_5m_tokens = usage.cache_write_5m
        self.cache_write_1h_tokens = usage.cache_write_1h
        self.cache_read_tokens = usage.cache_read

    @property
    def model(self) -> str:
        """The model that did the work (and is billed): served if known, else requested."""
        return self.served_model or self.original_model or self.requested_model

    @property
    def is_error(self) -> bool:
        return self.status == 0 or self.status >= 400 or self.error_type is not None
