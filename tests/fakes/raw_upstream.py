"""A fast fake Anthropic upstream: HTTP/1.1 straight on asyncio streams, answers prepared once, connections counted.

The ASGI fake (anthropic_upstream.py) is the one to script replies with; this one exists for load: it spends
almost no CPU per request, so a benchmark measures cco rather than the fake, and it counts the TCP connections
it accepted so tests can see whether cco reuses them. It can also close every connection after N answers (a
server dropping keep-alive) and wait before answering (requests pile up in cco's pool).

Run standalone for benchmarks: `python -m tests.fakes.raw_upstream PORT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading

from tests.fakes.anthropic_upstream import encode_sse, message, stream_events


def _json_reply() -> bytes:
    import json

    body = json.dumps(message()).encode()
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_raw\r\ncontent-length: %d\r\n\r\n"
    return head % len(body) + body


def _stream_reply() -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nrequest-id: req_raw\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunks = [encode_sse(name, data) for name, data in stream_events(message())]
    return head + b"".join(b"%x\r\n%b\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


JSON_REPLY = _json_reply()
STREAM_REPLY = _stream_reply()


class RawUpstream:
    """The server; counters are plain ints touched only on its own loop (reads from other threads are racy but
    monotonic, which is all a test needs)."""

    def __init__(self, delay_s: float = 0.0, close_after: int | None = None) -> None:
        self.delay_s = delay_s
        self.close_after = close_after  # answers per connection before the server closes it
        self.idle_timeout_s: float | None = None  # a keep-alive connection idle this long is closed by the server
        self.accepted = 0
        self.open_now = 0
        self.peak_open = 0
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.heads: list[bytes] = []  # request line and headers, when recording (tests; proxies see absolute URLs)
        self.record = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open_now += 1
        self.peak_open = max(self.peak_open, self.open_now)
        try:
            await self._serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass  # the client went away: normal for a keep-alive connection
        finally:
            self.open_now -= 1
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = 0
        while self.close_after is None or answered < self.close_after:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout_s)
            except TimeoutError:
                return
            body = await reader.readexactly(_content_length(head))
            self.requests += 1
            if self.record:
                self.heads.append(head)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                writer.write(STREAM_REPLY if b'"stream":true' in body.replace(b" ", b"") else JSON_REPLY)
                await writer.drain()
            finally:
                self.in_flight -= 1
            answered += 1


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


class ThreadedRawUpstream:
    """RawUpstream on an ephemeral loopback port, with its own event loop in a daemon thread."""

    def __init__(self, upstream: RawUpstream) -> None:
        self.upstream = upstream
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedRawUpstream:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("raw upstream did not start")
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self.upstream.handle, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)


async def _main(port: int) -> None:
    server = await asyncio.start_server(RawUpstream().handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
