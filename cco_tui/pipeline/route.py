"""The route step: which models a request will be tried on, in order (the requested one, then its fallbacks).

The route table itself (patterns, providers, fallbacks) is parsed and validated in config/routes.py; this step
binds one request to it. It runs before the cache step because the cache key names the upstream model.
"""

from __future__ import annotations

from cco_tui.config.routes import Resolved, attempt_chain, default_route, resolve
from cco_tui.config.settings import Config
from cco_tui.wire.types import Incoming


def chain_for(config: Config, incoming: Incoming) -> list[Resolved]:
    if incoming.model is None:
        route = default_route(config.routes)
        return [Resolved("", route, "")]
    if incoming.path != "/v1/messages":
        return [resolve(config.routes, incoming.model)]
    return attempt_chain(config.routes, incoming.model)
