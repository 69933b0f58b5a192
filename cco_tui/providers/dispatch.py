"""Which provider module speaks to a route's upstream: pass-through for Anthropic's API, translation for
OpenAI-compatible ones."""

from __future__ import annotations

from cco_tui.providers import anthropic
from cco_tui.providers.http import Upstream
from cco_tui.routing import Resolved
from cco_tui.server.exchange import Incoming, UpstreamReply


async def send(upstream: Upstream, incoming: Incoming, resolved: Resolved, connect_timeout_s: float) -> UpstreamReply:
    if resolved.route.api == "openai":
        from cco_tui.providers import openai_compat

        return await openai_compat.send(upstream, incoming, resolved, connect_timeout_s)
    return await anthropic.send(upstream, incoming, resolved, connect_timeout_s)
