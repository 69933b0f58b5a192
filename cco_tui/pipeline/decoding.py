"""Compressed request bodies (`Content-Encoding: gzip` or `deflate`), as Anthropic's API accepts them.

Claude Code gzips large bodies. cco must read the JSON inside (model, cache key, translation), while the
Anthropic path still forwards the bytes and the header exactly as sent. The decoded size is bounded by
`max_body_bytes` like a plain body (a small bomb must not inflate into gigabytes), and large bodies are
inflated in a thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import zlib

from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import RawHeaders, header_value

WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
INLINE_LIMIT = 64 * 1024  # compressed bytes inflated on the loop; above it, in a thread


class BadEncoding(ValueError):
    """The body does not decode as its Content-Encoding says."""


async def decoded_body(strict: bool, headers: RawHeaders, body: bytes, limit: int) -> bytes | None:
    """The body after its Content-Encoding, or None when it has none. `strict` (the messages endpoints): an
    encoding cco cannot read is refused; elsewhere the body is passed on without being looked into."""
    encoding = (header_value(headers, b"content-encoding") or "").strip().lower()
    if encoding in ("", "identity") or not body:
        return None
    if encoding not in WBITS:
        if strict:
            raise ProxyError(415, f"Content-Encoding {encoding[:40]!r} is not supported; use gzip or deflate")
        return None
    try:
        if len(body) <= INLINE_LIMIT:
            return inflate(body, encoding, limit)
        return await asyncio.to_thread(inflate, body, encoding, limit)
    except BadEncoding as problem:
        if strict:
            raise ProxyError(400, f"request body is not valid {encoding}: {problem}") from None
        return None


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    try:
        return _inflate(body, WBITS[encoding], limit)
    except BadEncoding:
        if encoding != "deflate":
            raise
    return _inflate(body, -zlib.MAX_WBITS, limit)  # "deflate" without the zlib wrapper, as some clients send


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        decoded = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise BadEncoding(str(error)) from None
    if len(decoded) > limit or inflater.unconsumed_tail:
        raise ProxyError(413, f"decoded request body exceeds the {limit}-byte limit", "request_too_large")
    if not inflater.eof or inflater.unused_data:
        raise BadEncoding("truncated or followed by extra bytes")
    return decoded
