"""Turning one finished exchange into the analytics row (priced later, in the writer thread)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from cco_tui.costs.usage import usage_from_anthropic
from cco_tui.pipeline.attribution import DEFAULT_PROJECT, PROJECT_HEADER, project_from_request
from cco_tui.pipeline.intake import new_request_id
from cco_tui.store.record import CacheStatus, RequestRecord, client_family
from cco_tui.wire.credentials import Billing, billing_of
from cco_tui.wire.headers import header_text, header_value
from cco_tui.wire.types import Incoming


@dataclass(slots=True)
class Served:
    """How the answer was produced."""

    status: int
    provider: str
    served_model: str | None
    cache_status: CacheStatus
    attempts: int = 1
    upstream_started: float | None = None  # perf_counter; None when nothing went upstream
    upstream_finished: float | None = None
    route: str | None = None  # the route's name or index
    route_reason: str | None = None  # "pattern", "default", "fallback" or the `when` that held


def new_record(incoming: Incoming) -> RequestRecord:
    project, path = attribute(incoming)
    return RequestRecord(
        request_id=incoming.request_id,
        ts_start=incoming.started_at,
        project=project,
        project_path=path,
        session_id=identity(incoming, b"x-claude-code-session-id"),
        agent_id=identity(incoming, b"x-claude-code-agent-id"),
        parent_agent_id=identity(incoming, b"x-claude-code-parent-agent-id"),
        request_class=identity(incoming, b"x-claude-code-request-class"),
        agent_type=identity(incoming, b"x-claude-code-agent-type"),
        client=client_family(incoming.header(b"user-agent")),
        endpoint=incoming.path,
        requested_model=incoming.model or "",
        stream=incoming.stream,
        request_bytes=len(incoming.body),
        key_id=incoming.key_id,
    )


MAX_IDENTITY_LENGTH = 128


def identity(incoming: Incoming, name: bytes) -> str | None:
    """A Claude Code id or hint header, as stored: printable, capped (a client may send anything there)."""
    value = incoming.header(name)
    cleaned = "".join(char for char in value if char.isprintable()).strip() if value else ""
    return cleaned[:MAX_IDENTITY_LENGTH] or None


def billing_for(incoming: Incoming, provider: str) -> Billing:
    """A subscription pays only for what goes to Anthropic with the user's own OAuth token: other providers
    get cco's key (credentials never cross to them), and that is billed per token."""
    return billing_of(incoming.headers) if provider == "anthropic" else "api"


def attribute(incoming: Incoming) -> tuple[str, str | None]:
    named = incoming.key_project or header_text(incoming.headers, PROJECT_HEADER.encode())
    return project_from_request({PROJECT_HEADER: named} if named else {}, incoming.payload)


def fill_outcome(record: RequestRecord, served: Served, usage: dict[str, Any], error_type: str | None) -> None:
    record.status = served.status
    record.provider = served.provider
    record.served_model = served.served_model
    record.cache_status = served.cache_status
    record.attempts = served.attempts
    record.error_type = error_type
    record.route = served.route
    record.route_reason = served.route_reason
    if served.cache_status == "hit":
        record.original_usage = usage_from_anthropic(usage)
        record.original_model = served.served_model
    else:
        record.set_usage(usage_from_anthropic(usage))


def fill_timing(
    record: RequestRecord,
    incoming: Incoming,
    served: Served,
    first_byte: float | None,
    finished: float,
    response_bytes: int,
) -> None:
    to_ms = 1000.0
    record.latency_ms = (finished - incoming.t0) * to_ms
    record.ttfb_ms = ((first_byte or finished) - incoming.t0) * to_ms
    if served.upstream_started is not None:
        record.upstream_ms = ((served.upstream_finished or finished) - served.upstream_started) * to_ms
    record.overhead_ms = record.latency_ms - (record.upstream_ms or 0.0)
    record.response_bytes = response_bytes


def rejected_record(scope: MutableMapping[str, Any], status: int, error_type: str) -> RequestRecord:
    """A request refused before it was read (403, 400, 413): no model, no usage, but it happened."""
    headers = scope["headers"]
    return RequestRecord(
        request_id=new_request_id(),
        project=project_from_request({PROJECT_HEADER: header_text(headers, PROJECT_HEADER.encode()) or ""}, None)[0],
        client=client_family(header_value(headers, b"user-agent")),
        endpoint=scope["path"],
        status=status,
        error_type=error_type,
        cache_status="off",
    )


class SessionProjects:
    """Claude Code's side calls (titles, summaries) carry no working directory, only the session id: they belong
    to the project the session's main calls were attributed to. Bounded, most recent sessions kept."""

    def __init__(self, limit: int = 10_000) -> None:
        self._projects: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        self._limit = limit

    def settle(self, record: RequestRecord) -> None:
        if record.session_id is None:
            return
        if record.project != DEFAULT_PROJECT:
            self._remember(record.session_id, (record.project, record.project_path))
        elif record.session_id in self._projects:
            record.project, record.project_path = self._projects[record.session_id]

    def _remember(self, session: str, project: tuple[str, str | None]) -> None:
        self._projects[session] = project
        self._projects.move_to_end(session)
        if len(self._projects) > self._limit:
            self._projects.popitem(last=False)
