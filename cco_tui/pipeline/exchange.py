"""The /v1/* handler: intake → cache (hit, or follow an identical request in flight) → route → relay → record."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from cco_tui.cache.entry import CacheEntry, replay
from cco_tui.config.routes import Resolved
from cco_tui.governance.governor import Ticket
from cco_tui.pipeline import govern
from cco_tui.pipeline.cache import NO_FLIGHT, CachePlan, Lead, lookup, plan_for
from cco_tui.pipeline.forward import Forwarded, forward
from cco_tui.pipeline.record import Served, billing_for, fill_outcome, fill_timing, new_record
from cco_tui.pipeline.relay import Observed, StreamWatcher, WatchedStream, observe_json
from cco_tui.pipeline.route import Facts, chain_for
from cco_tui.pipeline.shared import Shared
from cco_tui.store.access_keys import AccessKey
from cco_tui.wire import content
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import RawHeaders, downstream_headers
from cco_tui.wire.types import Incoming, Outgoing

CLIENT_CLOSED = 499  # the status proxies use for "the client closed the request"


def error_outgoing(error: ProxyError, request_id: str, started: float) -> Outgoing:
    outgoing = Outgoing(error.status, [(b"content-type", content.JSON_BYTES), *error.headers], error.body())
    stamp(outgoing, request_id, (time.perf_counter() - started) * 1000)
    return outgoing


def stamp(outgoing: Outgoing, request_id: str, overhead_ms: float) -> None:
    outgoing.headers.append((b"x-cco-request-id", request_id.encode()))
    outgoing.headers.append((b"x-cco-overhead-ms", b"%.3f" % overhead_ms))


class Exchange:
    """One request's way through the pipeline."""

    def __init__(self, state: Shared, incoming: Incoming, key: AccessKey | None = None) -> None:
        self.state = state
        self.incoming = incoming
        self.key = key
        self.ticket: Ticket | None = None
        self.refused_by: str | None = None
        self.facts = Facts(incoming)
        self.chain = chain_for(state.config, incoming, self.facts)
        self.answered: Resolved = self.chain[0]  # the attempt whose answer goes back (a fallback, after a failure)
        self.plan: CachePlan = plan_for(incoming, self.chain[0], state.config.settings.cache, state.scope_secret)

    async def run(self) -> Outgoing:
        try:
            if self.plan.reads:
                return await self.from_cache_or_upstream()
            return await self.upstream(NO_FLIGHT)
        except ProxyError as error:
            self.record_error(error)
            return error_outgoing(error, self.incoming.request_id, self.incoming.t0)

    # --- cache ------------------------------------------------------------------------------------------------

    async def from_cache_or_upstream(self) -> Outgoing:
        """A hit (cached, or completed by an identical request in flight), else lead this key upstream."""
        second = self.from_second_tier if self.state.second_tier is not None else None
        found = await lookup(self.state.cache, self.state.inflight, self.plan, second)
        if isinstance(found, CacheEntry):
            return self.from_entry(found)
        return await self.upstream(found)

    async def from_second_tier(self) -> CacheEntry | None:
        """Another replica's answer (Redis); kept in this process's cache for the rest of its TTL."""
        assert self.state.second_tier is not None
        entry = await self.state.second_tier.get(self.plan.scope, self.plan.key)
        if entry is not None:
            self.state.cache.put(self.plan.scope, self.plan.key, entry, age=max(0.0, time.time() - entry.created_at))
        return entry

    def from_entry(self, entry: CacheEntry) -> Outgoing:
        body, content_type = replay(entry, stream=self.incoming.stream)
        self.finish(
            self.served(Served(200, self.chain[0].route.provider, entry.model, "hit")),
            Observed(
                usage=dict(entry.usage),
                complete=True,
                response_bytes=len(body),
                finished_at=time.perf_counter(),
            ),
        )
        return self.response(body, 200, [(b"content-type", content_type.encode())], "hit", entry.model)

    # --- upstream ---------------------------------------------------------------------------------------------

    async def upstream(self, lead: Lead) -> Outgoing:
        try:
            self.ticket = await govern.admit(
                self.state.governor, self.incoming, self.chain[0].requested_model, self.key
            )
            forwarded = await forward(self.state.upstream, self.state.config, self.incoming, self.chain)
        except BaseException:
            lead.abandon()
            if self.ticket is not None:
                self.ticket.close()
            raise
        return self.relay(forwarded, lead)

    def relay(self, forwarded: Forwarded, lead: Lead) -> Outgoing:
        reply = forwarded.reply
        self.state.meters.observe(self.incoming.headers, reply.headers, forwarded.resolved.route.api_key_env)
        headers = downstream_headers(reply.headers)
        by_primary = forwarded.resolved is self.chain[0]
        keep = self.plan.writes and by_primary and 200 <= reply.status < 300
        if not keep:
            lead.abandon()  # an error, or another model answered: followers asked for this one, let them try
            lead = NO_FLIGHT
        self.answered = forwarded.resolved
        served = self.served(
            Served(
                reply.status,
                forwarded.resolved.route.provider,
                forwarded.resolved.requested_model,
                "miss" if self.plan.mode == "normal" else self.plan.mode,
                forwarded.attempts,
                reply.upstream_started,
            )
        )
        capture = self.state.cache.max_entry_bytes if keep else 0
        if reply.chunks is None:
            return self.relay_body(reply.body or b"", served, headers, capture, lead, reply.headers_at)
        watcher = StreamWatcher(capture_limit=capture)
        stream = WatchedStream(
            reply.chunks, watcher, reply.status, lambda seen: self.conclude(served, seen, lead), reply.closer
        )
        lead.bind(stream)
        return self.response(
            stream,
            reply.status,
            headers,
            served.cache_status,
            served.served_model,
            self.overhead_ms(reply.upstream_started, reply.headers_at),
        )

    def relay_body(
        self,
        body: bytes,
        served: Served,
        headers: RawHeaders,
        capture: int,
        lead: Lead,
        headers_at: float,
    ) -> Outgoing:
        observed = observe_json(served.status, body, capture)
        self.conclude(served, observed, lead)
        return self.response(
            body,
            served.status,
            headers,
            served.cache_status,
            served.served_model,
            self.overhead_ms(served.upstream_started or 0.0, headers_at),
        )

    def conclude(self, served: Served, observed: Observed, lead: Lead) -> None:
        """The answer is complete (or ended): store it if it may be, release followers, record the request."""
        entry = None
        if observed.complete and observed.body is not None:
            entry = CacheEntry.create(
                observed.body,
                is_stream=observed.is_stream,
                usage=observed.usage,
                model=served.served_model or "",
            )
            self.state.store(self.plan.scope, self.plan.key, entry)
        lead.conclude(entry)
        if served.upstream_finished is None:
            served.upstream_finished = observed.finished_at
        if self.ticket is not None:
            govern.settle(self.ticket, served.served_model or self.chain[0].requested_model, observed.usage)
        self.finish(served, observed)

    # --- response and record ----------------------------------------------------------------------------------

    def served(self, served: Served) -> Served:
        """The route that chose the answering attempt, and why, go on the row."""
        served.route = self.answered.label
        served.route_reason = self.answered.reason
        return served

    def response(
        self,
        body: bytes | AsyncIterator[bytes],
        status: int,
        headers: RawHeaders,
        cache_status: str,
        served_model: str | None,
        overhead_ms: float | None = None,
    ) -> Outgoing:
        """`overhead_ms` excludes upstream time; without it (nothing went upstream) all elapsed time is ours."""
        outgoing = Outgoing(status, headers, body) if isinstance(body, bytes) else Outgoing(status, headers, None, body)
        if self.incoming.path == "/v1/messages":
            headers.append((b"x-cco-cache", cache_status.encode()))
            if served_model:
                headers.append((b"x-cco-served-model", served_model.encode()))
            headers.append((b"x-cco-route", self.answered.label.encode()))
        if self.ticket is not None and (remaining := self.ticket.remaining_usd) is not None:
            headers.append((b"x-cco-budget-remaining", b"%.4f" % remaining))
        elapsed_ms = (time.perf_counter() - self.incoming.t0) * 1000
        stamp(outgoing, self.incoming.request_id, elapsed_ms if overhead_ms is None else overhead_ms)
        return outgoing

    def overhead_ms(self, upstream_started: float, headers_at: float) -> float:
        return ((upstream_started - self.incoming.t0) + (time.perf_counter() - headers_at)) * 1000

    def finish(self, served: Served, observed: Observed) -> None:
        if not self.state.config.settings.analytics:
            return
        record = new_record(self.incoming)
        if observed.interrupted_status is not None:
            served.status = observed.interrupted_status
        fill_outcome(record, served, observed.usage, observed.error_type)
        record.rule = self.refused_by
        record.billing = billing_for(self.incoming, served.provider)
        fill_timing(
            record,
            self.incoming,
            served,
            observed.first_byte_at,
            observed.finished_at,
            observed.response_bytes,
        )
        self.state.record(record)

    def record_error(self, error: ProxyError) -> None:
        self.refused_by = error.rule if isinstance(error, govern.Refusal) else None
        served = self.served(Served(error.status, self.chain[0].route.provider, None, "off"))
        self.finish(served, Observed(error_type=error.error_type, finished_at=time.perf_counter()))

    def record_interrupted(self, error: ProxyError) -> None:
        """cco stopped before the answer came (the client got `error`): recorded as interrupted."""
        self.record_error(ProxyError(error.status, error.message, "shutdown"))

    def record_client_gone(self) -> None:
        """The client left before the answer started: recorded, so the dashboard shows the abandoned call."""
        self.record_error(ProxyError(CLIENT_CLOSED, "client disconnected", "client_disconnected"))
