"""The ASGI front door: /v1/* goes straight into the proxy pipeline, everything else to the Quart app.

Quart's per-request machinery (request and app contexts, two tasks, response conversion) costs about 0.1 ms,
a tenth of the latency budget of a request we merely relay; the proxy needs none of it. Quart keeps serving
the probes, /health, /api/* and /metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from cco_tui.errors import ProxyError
from cco_tui.server.exchange import Outgoing
from cco_tui.server.headers import header_value
from cco_tui.server.intake import ClientGone, new_request_id, read_incoming
from cco_tui.server.proxy import Exchange, error_outgoing
from cco_tui.server.relay import close_quietly
from cco_tui.server.state import ServerState
from cco_tui.server.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("cco.server")
PROXIED_PREFIX = "/v1/"


class ProxyFront:
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROXIED_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            outgoing = await self.answer(scope, receive, started)
        except ClientGone:
            return
        except Exception as error:  # a bug must cost one request an error, never the server
            log.exception("unexpected error while proxying %s %s", scope["method"], scope["path"])
            problem = ProxyError(500, f"internal error in cco: {type(error).__name__}", "api_error")
            outgoing = error_outgoing(problem, new_request_id(), started)
        await deliver(outgoing, send, receive)

    async def answer(self, scope: Scope, receive: Receive, started: float) -> Outgoing:
        try:
            self.check_access(scope)
            incoming = await read_incoming(scope, receive, self.state.config.settings.max_body_bytes, started)
        except ProxyError as error:
            return error_outgoing(error, new_request_id(), started)
        return await Exchange(self.state, incoming).run()

    def check_access(self, scope: Scope) -> None:
        headers = scope["headers"]
        policy = self.state.policy
        problem = policy.host_problem(header_value(headers, b"host")) or policy.origin_problem(
            header_value(headers, b"origin")
        )
        if problem:
            raise ProxyError(403, problem, "permission_error")


async def deliver(outgoing: Outgoing, send: Send, receive: Receive) -> None:
    if outgoing.chunks is None:
        body = outgoing.body or b""
        headers = [*outgoing.headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": outgoing.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    await send({"type": "http.response.start", "status": outgoing.status, "headers": outgoing.headers})
    await stream_until_disconnect(outgoing.chunks, send, receive)


async def stream_until_disconnect(chunks: AsyncIterator[bytes], send: Send, receive: Receive) -> None:
    """Relay the chunks; if the client leaves first, stop at once (which closes the upstream stream too)."""
    pump = asyncio.ensure_future(send_chunks(chunks, send))
    watcher = asyncio.ensure_future(wait_for_disconnect(receive))
    try:
        await asyncio.wait({pump, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, watcher):
            task.cancel()
        results = await asyncio.gather(pump, watcher, return_exceptions=True)
        await close_quietly(chunks)
    if isinstance(results[0], Exception):
        log.error("stream relay failed: %r", results[0])


async def send_chunks(chunks: AsyncIterator[bytes], send: Send) -> None:
    async for chunk in chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
