"""The route step: which models a request will be tried on, in order (the chosen one, then its fallbacks).

The route table itself (patterns, conditions, providers, fallbacks) is parsed and validated in config/routes.py;
this step binds one request to it. Conditions read the request through `Facts`, which computes each fact on
first use and keeps it: the body was parsed once by intake, and the token estimate is made at most once.
It runs before the cache step because the cache key names the upstream model.
"""

from __future__ import annotations

from cco_tui.config.routes import Resolved, attempt_chain, default_route, resolve
from cco_tui.config.settings import Config
from cco_tui.pipeline.classify import classify
from cco_tui.pipeline.record import attribute
from cco_tui.providers.openai_translate.tokens import estimate_input_tokens
from cco_tui.wire.types import Incoming

AGENT_ID = b"x-claude-code-agent-id"
REQUEST_CLASS = b"x-claude-code-request-class"
AGENT_TYPE = b"x-claude-code-agent-type"
THINKING_ON = frozenset({"enabled", "adaptive"})


class Facts:
    """One request's facts for `when` conditions (config/conditions.RequestFacts), each computed lazily."""

    __slots__ = ("_class", "_project", "_tokens", "incoming")

    def __init__(self, incoming: Incoming) -> None:
        self.incoming = incoming
        self._tokens: int | None = None
        self._class: tuple[str, str] | None = None
        self._project: str | None = None

    def agent(self) -> str:
        return "subagent" if self.incoming.header(AGENT_ID) else "main"

    def request_class(self) -> str:
        return self.incoming.header(REQUEST_CLASS) or self.classified()[0]

    def classified(self) -> tuple[str, str]:
        """(class, rule) by classify.py's rules, ignoring hint headers."""
        if self._class is None:
            self._class = classify(self.incoming.payload)
        return self._class

    def agent_type(self) -> str | None:
        return self.incoming.header(AGENT_TYPE)

    def thinking(self) -> bool:
        thinking = self.incoming.payload.get("thinking") if self.incoming.payload else None
        return isinstance(thinking, dict) and thinking.get("type") in THINKING_ON

    def tools(self) -> bool:
        return bool(self.incoming.payload and self.incoming.payload.get("tools"))

    def tool_names(self) -> tuple[str, ...]:
        """The offered tools' names (server tools have one too: `web_search`)."""
        tools = self.incoming.payload.get("tools") if self.incoming.payload else None
        if not isinstance(tools, list):
            return ()
        return tuple([name for tool in tools if isinstance(tool, dict) and isinstance(name := tool.get("name"), str)])

    def input_tokens(self) -> int:
        if self._tokens is None:
            self._tokens = estimate_input_tokens(self.incoming.payload or {})
        return self._tokens

    def project(self) -> str:
        if self._project is None:
            self._project = attribute(self.incoming)[0]
        return self._project

    def header(self, name: bytes) -> str | None:
        return self.incoming.header(name)


def chain_for(config: Config, incoming: Incoming, facts: Facts | None = None) -> list[Resolved]:
    if incoming.model is None:
        route = default_route(config.routes)
        return [Resolved("", route, "", route.label, "default")]
    facts = facts or Facts(incoming)
    if incoming.path != "/v1/messages":
        return [resolve(config.routes, incoming.model, facts)]
    return attempt_chain(config.routes, incoming.model, facts)
