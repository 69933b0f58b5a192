"""The forward step: send the request to the provider of each model in the chain until one answers.

Fallbacks only happen before any byte reached the client: a status in the route's `fallback_on`, a connect
error or a timeout moves on to the next model; a `retry-after` within the cap first earns the same model one
more try. Without fallbacks configured, the upstream's answer goes back as it is (Claude Code retries itself).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cco_tui.config.routes import Resolved
from cco_tui.config.settings import Config
from cco_tui.providers import anthropic, openai_compat
from cco_tui.providers.http import Upstream
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.headers import header_value
from cco_tui.wire.types import Incoming, UpstreamReply

log = logging.getLogger("cco.route")
RETRYABLE_TRANSPORT = (502, 504)


@dataclass(slots=True)
class Forwarded:
    reply: UpstreamReply
    resolved: Resolved  # the attempt that answered
    attempts: int


async def forward(upstream: Upstream, config: Config, incoming: Incoming, chain: list[Resolved]) -> Forwarded:
    attempts = 0
    for index, resolved in enumerate(chain):
        last = index == len(chain) - 1
        try:
            reply, tries = await try_model(upstream, config, incoming, resolved, retry=not last)
        except ProxyError as error:
            attempts += 1
            if last or error.status not in RETRYABLE_TRANSPORT:
                raise
            log.warning(
                "%s failed (%s); falling back to %s",
                resolved.requested_model,
                error.message,
                chain[index + 1].requested_model,
            )
            continue
        attempts += tries
        if last or reply.status not in resolved.route.fallback_on:
            return Forwarded(reply, resolved, attempts)
        log.warning(
            "%s answered %d; falling back to %s",
            resolved.requested_model,
            reply.status,
            chain[index + 1].requested_model,
        )
        await reply.aclose()
    raise AssertionError("unreachable: the last attempt always returns or raises")


async def try_model(
    upstream: Upstream, config: Config, incoming: Incoming, resolved: Resolved, retry: bool
) -> tuple[UpstreamReply, int]:
    """One call, and when a fallback exists and the upstream asks to wait briefly, one more."""
    reply = await send(upstream, incoming, resolved, config.settings.connect_timeout_s)
    wait = retry_after(reply) if retry and reply.status in resolved.route.fallback_on else None
    if wait is None or wait > config.settings.retry_after_cap_s:
        return reply, 1
    await reply.aclose()
    await asyncio.sleep(wait)
    return await send(upstream, incoming, resolved, config.settings.connect_timeout_s), 2


def retry_after(reply: UpstreamReply) -> float | None:
    value = header_value(reply.headers, b"retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


async def send(upstream: Upstream, incoming: Incoming, resolved: Resolved, connect_timeout_s: float) -> UpstreamReply:
    """Pass-through for Anthropic's API, translation for OpenAI-compatible upstreams."""
    if resolved.route.api == "openai":
        return await openai_compat.send(upstream, incoming, resolved, connect_timeout_s)
    return await anthropic.send(upstream, incoming, resolved, connect_timeout_s)
