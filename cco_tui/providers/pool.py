"""Keep-alive HTTP/1.1 connections to one upstream origin, checked out and returned in constant time.

httpcore's AsyncConnectionPool re-scans every connection and every queued request on each request and each
response close, so its cost per request grows with the requests in flight (64% of cco's loop time at 64
clients). This pool keeps only what a relay needs: a queue of idle connections, a count of open ones against
a bound, and a queue of waiters each handed either a connection or the right to open one. Idle connections
are reused oldest first: under load every connection then stays busy every few milliseconds, whereas reusing
the newest lets the spare ones sit idle until the server's keep-alive (5 s for uvicorn and Hypercorn) closes
them, and one picked up at the moment the server closes it fails the request with a 502. The connections themselves
are httpcore's, made by a factory (direct, or through an HTTP proxy), so TLS, proxies and the HTTP/1.1 state
machine are unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol, cast

import httpcore

Connection = httpcore.AsyncConnectionInterface
ConnectionFactory = Callable[[httpcore.Origin], Connection]
Grant = Connection | None  # what a waiter is given: an idle connection, or None = a free slot to open one in


class BodyStream(Protocol):
    """What httpcore's HTTP/1.1 connection returns as a response's stream."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    max_connections: int = 200  # per origin, open at once
    max_idle: int = 50  # kept alive between requests; more are closed when they come back
    keepalive_expiry_s: float = 60.0  # (enforced by the connections themselves: has_expired)


class OriginPool:
    """Connections to one (scheme, host, port), all made by one factory."""

    def __init__(self, origin: httpcore.Origin, factory: ConnectionFactory, limits: Limits) -> None:
        self.origin = origin
        self._factory = factory
        self._limits = limits
        self._idle: deque[Connection] = deque()
        self._waiters: deque[asyncio.Future[Grant]] = deque()
        self._open = 0  # idle + busy + being opened: what max_connections bounds

    @property
    def open_connections(self) -> int:
        return self._open

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    async def send(self, request: httpcore.Request) -> httpcore.Response:
        """The response with its body unread; closing the response gives the connection back."""
        connection = await self._checkout(request)
        try:
            response = await connection.handle_async_request(request)
        except httpcore.ConnectionNotAvailable:
            await self._discard(connection)  # httpcore's own retry case: the connection was not idle after all
            connection = await self._checkout(request)
            response = await self._send_once(connection, request)
        except BaseException:
            await self._discard(connection)  # a request that failed leaves its connection in an unknown state
            raise
        response.stream = PooledStream(cast(BodyStream, response.stream), self, connection)
        return response

    async def _send_once(self, connection: Connection, request: httpcore.Request) -> httpcore.Response:
        try:
            return await connection.handle_async_request(request)
        except BaseException:
            await self._discard(connection)
            raise

    async def _checkout(self, request: httpcore.Request) -> Connection:
        while self._idle:
            connection = self._idle.popleft()
            if not connection.has_expired():  # past keep-alive expiry, or the server closed it meanwhile
                return connection
            await self._close_expired(connection)
        if self._open < self._limits.max_connections:
            self._open += 1
            return self._factory(self.origin)
        grant = await self._wait(request)
        return grant if grant is not None else self._factory(self.origin)

    async def _wait(self, request: httpcore.Request) -> Grant:
        timeout = request.extensions.get("timeout", {}).get("pool")
        waiter: asyncio.Future[Grant] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as exc:
            self._give_up(waiter)
            if isinstance(exc, TimeoutError):
                raise httpcore.PoolTimeout(f"no connection to {self.origin} came free in {timeout} s") from None
            raise

    def _give_up(self, waiter: asyncio.Future[Grant]) -> None:
        """A waiter leaving (timeout or cancel): what it was already handed goes to the next one."""
        if waiter.done() and not waiter.cancelled():
            self._pass_on(waiter.result())
        else:
            waiter.cancel()  # left in the queue; _next_waiter skips it

    def _next_waiter(self) -> asyncio.Future[Grant] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def _pass_on(self, grant: Grant) -> None:
        """Hand a connection or a free slot to the first live waiter; else park the connection or free the slot."""
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(grant)
        elif grant is None:
            self._open -= 1
        else:
            self._idle.append(grant)

    async def give_back(self, connection: Connection) -> None:
        """A response was closed: reuse its connection, or close it and free its slot."""
        for unwanted in (self._release(connection), self._stale_oldest()):
            if unwanted is not None:
                await _close_quietly(unwanted)

    def _release(self, connection: Connection) -> Connection | None:
        """Returns the connection if it is not kept (not reusable, or enough are idle already)."""
        if connection.is_idle() and not connection.is_closed():
            waiter = self._next_waiter()
            if waiter is not None:
                waiter.set_result(connection)
                return None
            if len(self._idle) < self._limits.max_idle:
                self._idle.append(connection)
                return None
        self._pass_on(None)
        return connection

    def _stale_oldest(self) -> Connection | None:
        """With light traffic idle connections may outlive their expiry: one check per release keeps them few."""
        if not (self._idle and self._idle[0].has_expired()):
            return None
        self._open -= 1
        return self._idle.popleft()

    async def _discard(self, connection: Connection) -> None:
        self._pass_on(None)  # the slot is freed before the close is awaited: a cancel cannot leak it
        await _close_quietly(connection)

    async def _close_expired(self, connection: Connection) -> None:
        self._open -= 1
        await _close_quietly(connection)

    async def aclose(self) -> None:
        while self._idle:
            await self._close_expired(self._idle.pop())
        for waiter in self._waiters:
            waiter.cancel()


async def _close_quietly(connection: Connection) -> None:
    with contextlib.suppress(OSError, httpcore.NetworkError):  # already broken: closing is all that was wanted
        await connection.aclose()


class PooledStream:
    """A response body that gives its connection back to the pool when closed, whether read to the end or not."""

    def __init__(self, stream: BodyStream, pool: OriginPool, connection: Connection) -> None:
        self._stream = stream
        self._pool = pool
        self._connection: Connection | None = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
            await self.aclose()  # read to the end: the connection is free now, not when the caller closes
        except (Exception, asyncio.CancelledError):  # not GeneratorExit: nothing may be awaited then
            await self.aclose()
            raise

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await self._stream.aclose()  # an unread body leaves the connection unusable: give_back closes it
        finally:
            await self._pool.give_back(connection)
