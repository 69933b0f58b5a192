"""The ASGI front door: /v1/* goes straight into the proxy pipeline, everything else to the Quart app.

Quart's per-request machinery (request and app contexts, two tasks, response conversion) costs about 0.1 ms,
a tenth of the latency budget of a request we merely relay; the proxy needs none of it. Quart keeps serving
the probes, /health, /api/* and /metrics.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from cco_tui.pipeline.access import authenticate, without_credentials
from cco_tui.pipeline.exchange import Exchange, error_outgoing
from cco_tui.pipeline.intake import ClientGone, new_request_id, read_incoming
from cco_tui.pipeline.relay import WatchedStream
from cco_tui.server.cors import allow_headers, preflight
from cco_tui.server.shutdown import SHUTDOWN_ERROR_TYPE, SHUTDOWN_STATUS, Unfinished, shutdown_error
from cco_tui.server.state import ServerState
from cco_tui.store.access_keys import AccessKey
from cco_tui.wire.asgi import ASGIApp, Receive, Scope, Send
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import header_value, with_date
from cco_tui.wire.types import Incoming, Outgoing, close_quietly

log = logging.getLogger("cco.server")


class Preflight(Exception):
    """An OPTIONS request: cco answers it itself."""


PROXIED_PREFIX = "/v1/"


class ProxyFront:
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROXIED_PREFIX):
            await self.app(scope, receive, send)
            return
        request = self.state.requests.enter()
        try:
            await self.handle(scope, receive, send, request)
        finally:
            self.state.requests.leave(request)

    async def handle(self, scope: Scope, receive: Receive, send: Send, request: Unfinished) -> None:
        started = time.perf_counter()
        origin = header_value(scope["headers"], b"origin")
        try:
            incoming, key = await self.intake(scope, receive, started)
        except asyncio.CancelledError:
            if not request.recover():
                raise
            await self.reject(scope, send, shutdown_error(), started)
            return
        except ClientGone:
            return
        except Preflight:
            await deliver(
                preflight(origin, header_value(scope["headers"], b"access-control-request-headers")), send, None
            )
            return
        except ProxyError as error:
            await self.reject(scope, send, error, started)
            return
        try:
            exchange = Exchange(self.state, incoming, key)
        except Exception as error:  # a bug setting up must cost one request an error (and a row), never a 500 page
            log.exception("unexpected error while setting up %s", incoming.path)
            await self.reject(scope, send, internal_error(error), started)
            return
        await self.serve(exchange, send, receive, origin, request)

    async def reject(self, scope: Scope, send: Send, error: ProxyError, started: float) -> None:
        if error.status == SHUTDOWN_STATUS:
            error_type = SHUTDOWN_ERROR_TYPE
            self.state.record_rejected(scope, ProxyError(error.status, error.message, error_type))
        else:
            self.state.record_rejected(scope, error)
        await deliver(error_outgoing(error, new_request_id(), started), send, None)

    async def intake(self, scope: Scope, receive: Receive, started: float) -> tuple[Incoming, AccessKey | None]:
        self.check_access(scope)
        if scope["method"] == "OPTIONS":
            raise Preflight
        tokens_only = self.state.config.settings.auth == "tokens"
        key = await authenticate(scope["headers"], self.state.authenticate, tokens_only)
        settings = self.state.config.settings
        incoming = await read_incoming(scope, receive, settings.max_body_bytes, started, settings.body_timeout_s)
        if key is not None:
            incoming.headers = without_credentials(incoming.headers)
            incoming.key_id, incoming.key_project = key.id, key.project
        return incoming, key

    async def serve(
        self, exchange: Exchange, send: Send, receive: Receive, origin: str | None, request: Unfinished
    ) -> None:
        """Run the exchange while watching for the client to leave: if it does, stop paying for the answer."""
        gone = asyncio.ensure_future(wait_for_disconnect(receive))
        try:
            outgoing = await self.answer_unless_gone(exchange, gone, request)
            if outgoing is not None:
                if origin is not None:  # only allowed origins get this far
                    outgoing.headers += allow_headers(origin)
                await deliver(outgoing, send, gone, request)
        finally:
            gone.cancel()

    async def answer_unless_gone(
        self, exchange: Exchange, gone: asyncio.Future[None], request: Unfinished
    ) -> Outgoing | None:
        """The exchange runs in this task (no extra task per request); the client leaving cancels it, which
        cancels the upstream call too: the connection is closed and nothing more is billed."""
        task = asyncio.current_task()
        assert task is not None
        answering = [True]

        def client_left(_: asyncio.Future[None]) -> None:
            if answering[0] and not gone.cancelled():
                task.cancel()

        gone.add_done_callback(client_left)
        try:
            return await exchange.run()
        except asyncio.CancelledError:
            if request.recover():  # cco is stopping: this request gets a clean 503 and a row
                problem = shutdown_error()
                exchange.record_interrupted(problem)
                return error_outgoing(problem, exchange.incoming.request_id, exchange.incoming.t0)
            if gone.cancelled() or not gone.done():
                raise  # not ours
            task.uncancel()
            exchange.record_client_gone()
            return None
        except Exception as error:  # a bug must cost one request an error, never the server
            log.exception("unexpected error while proxying %s", exchange.incoming.path)
            problem = internal_error(error)
            exchange.record_error(problem)
            return error_outgoing(problem, exchange.incoming.request_id, exchange.incoming.t0)
        finally:
            answering[0] = False
            gone.remove_done_callback(client_left)

    def check_access(self, scope: Scope) -> None:
        headers = scope["headers"]
        client = (scope.get("client") or ("", 0))[0]
        # A missing Host (HTTP/1.0) is judged as an empty one, as Quart does for cco's other routes.
        problem = self.state.policy.request_problem(
            header_value(headers, b"host") or "", header_value(headers, b"origin"), client
        )
        if problem:
            raise ProxyError(403, problem, "permission_error")


def internal_error(error: Exception) -> ProxyError:
    return ProxyError(500, f"internal error in cco: {type(error).__name__}", "api_error")


async def deliver(
    outgoing: Outgoing, send: Send, gone: asyncio.Future[None] | None, request: Unfinished | None = None
) -> None:
    if request is not None:
        request.phase = "sending"
    if outgoing.chunks is None:
        body = outgoing.body or b""
        headers = [*with_date(outgoing.headers), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": outgoing.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    try:
        await send({"type": "http.response.start", "status": outgoing.status, "headers": with_date(outgoing.headers)})
        if gone is not None:
            await stream_unless_stopped(outgoing.chunks, send, gone, request)
    finally:
        await close_quietly(outgoing.chunks)  # even when the head could not be sent: release the upstream


async def stream_unless_stopped(
    chunks: AsyncIterator[bytes], send: Send, gone: asyncio.Future[None], request: Unfinished | None
) -> None:
    """`stream_until_disconnect`; if cco stops meanwhile, the stream ends with an `error` event (and its row says
    it was interrupted) instead of being cut."""
    if request is None:
        await stream_until_disconnect(chunks, send, gone)
        return
    if isinstance(chunks, WatchedStream):
        request.on_interrupt = functools.partial(chunks.interrupted, SHUTDOWN_STATUS, SHUTDOWN_ERROR_TYPE)
    request.phase = "streaming"
    try:
        if request.interrupted:  # the stop came while the head was being sent
            request.interrupt()
        await stream_until_disconnect(chunks, send, gone)
    except asyncio.CancelledError:
        if not request.recover():
            raise
        request.phase = "sending"
        await send({"type": "http.response.body", "body": shutdown_error().event(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def stream_until_disconnect(chunks: AsyncIterator[bytes], send: Send, gone: asyncio.Future[None]) -> None:
    """Relay the chunks; if the client leaves first, stop at once (closing the stream releases the upstream)."""
    pump = asyncio.ensure_future(send_chunks(chunks, send))
    racers: set[asyncio.Future[Any]] = {pump, gone}
    try:
        await asyncio.wait(racers, return_when=asyncio.FIRST_COMPLETED)
        if not pump.done() and isinstance(chunks, WatchedStream):
            chunks.client_left()
    finally:
        pump.cancel()
        results = await asyncio.gather(pump, return_exceptions=True)
    if isinstance(results[0], Exception):
        log.error("sending the stream to the client failed: %r", results[0])


async def send_chunks(chunks: AsyncIterator[bytes], send: Send) -> None:
    async for chunk in chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
