"""The request as cco sees it, and the upstream's answer, independent of the web framework."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cco_tui.wire.headers import RawHeaders, header_value


@dataclass(slots=True)
class Incoming:
    request_id: str
    method: str
    path: str  # e.g. "/v1/messages" (percent-decoded: for routing and records)
    query: bytes  # e.g. b"beta=true"
    raw_path: bytes  # the path exactly as the client encoded it: what goes upstream
    headers: RawHeaders  # as received, lower-case names
    body: bytes  # exactly as received: forwarded untouched on the Anthropic path
    payload: dict[str, Any] | None  # the parsed body, when it is a JSON object
    remote_addr: str
    t0: float = field(default_factory=time.perf_counter)  # when the request arrived (perf_counter)
    started_at: float = field(default_factory=time.time)  # the same moment, wall clock
    key_id: str | None = None  # the cco access token it came with (its id)
    key_project: str | None = None  # that token's project: it beats headers and the working directory
    decoded: bytes | None = None  # the body after its Content-Encoding, when it had one (payload is parsed from it)

    @property
    def json_body(self) -> bytes:
        """The JSON text `payload` was parsed from."""
        return self.body if self.decoded is None else self.decoded

    @property
    def model(self) -> str | None:
        model = self.payload.get("model") if self.payload else None
        return model if isinstance(model, str) else None

    @property
    def stream(self) -> bool:
        return bool(self.payload and self.payload.get("stream") is True)

    def header(self, name: bytes) -> str | None:
        return header_value(self.headers, name)


@dataclass(slots=True)
class UpstreamReply:
    """What a provider answered: a whole body, or chunks to relay as they arrive."""

    status: int
    headers: RawHeaders
    body: bytes | None = None
    chunks: AsyncIterator[bytes] | None = None
    upstream_started: float = 0.0  # perf_counter when the request left cco
    headers_at: float = 0.0  # perf_counter when the upstream's head arrived
    closer: Callable[[], Awaitable[None]] | None = None  # releases the upstream connection

    @property
    def is_stream(self) -> bool:
        return self.chunks is not None

    async def aclose(self) -> None:
        """Release the upstream connection, whether or not anyone started reading the chunks."""
        if self.chunks is not None:
            await close_quietly(self.chunks)
        if self.closer is not None:
            await self.closer()


@dataclass(slots=True)
class Outgoing:
    """What cco answers: a whole body, or chunks to send as they come."""

    status: int
    headers: RawHeaders
    body: bytes | None = None
    chunks: AsyncIterator[bytes] | None = None


async def close_quietly(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
