"""model-routing.json: which provider serves a model, and in what order fallbacks are tried.

A pattern starting with `^` is a regular expression; anything else is a glob (`gpt-*`) whose `*`s become
capture groups, so a route's `model` template can reuse them (`"model": "\\1"` strips `ollama/`).

A route with a `when` (config/conditions.py) only serves requests whose facts fit it; its `model` names the
target. With a `provider` it serves the target itself; without one it is a redirect: the target is served by
whichever unconditional route matches it (`"model": "ollama/qwen3-coder"` goes to the `ollama/*` route).
Fallback models are resolved by name on the unconditional routes, so a fallback never re-enters a condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from cco_tui.config.conditions import RequestFacts, When, parse_when
from cco_tui.config.errors import ConfigError

TokenField = Literal["max_tokens", "max_completion_tokens"]
PROVIDERS = ("anthropic", "openai", "ollama", "local")
DEFAULT_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
DEFAULT_FALLBACK_ON = (429, 500, 502, 503, 504, 529)


@dataclass(frozen=True, slots=True)
class Route:
    index: int
    pattern: str
    regex: re.Pattern[str]
    provider: str
    endpoint: str  # API base including /v1, e.g. https://api.anthropic.com/v1
    timeout_ms: int
    api_key_env: str | None
    model: str | None  # template for the upstream model name
    fallbacks: tuple[str, ...]
    fallback_on: tuple[int, ...]
    cache: bool
    api: str  # "anthropic" (pass-through) or "openai" (translate to Chat Completions)
    max_tokens: int | None = None  # cap on max_tokens sent to a translated upstream (gpt-4o allows 16384)
    token_field: TokenField = "max_tokens"  # or "max_completion_tokens" (newer OpenAI models require it)
    name: str | None = None
    when: When | None = None

    @property
    def label(self) -> str:
        """How records and x-cco-route name the route: its name, else its index in the file."""
        return self.name or str(self.index)

    @property
    def redirect(self) -> bool:
        return self.when is not None and not self.provider

    def matches(self, model: str) -> re.Match[str] | None:
        return self.regex.search(model)

    def upstream_model(self, model: str) -> str:
        match = self.matches(model)
        if self.model is None or match is None:
            return model
        if "\\" not in self.model:
            return self.model  # a plain name: expand() would parse the template on every request
        return match.expand(self.model)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A requested model bound to the route that serves it."""

    requested_model: str  # the model this attempt stands for (a conditional route's target, a fallback's name)
    route: Route
    upstream_model: str
    label: str = ""  # the route that chose this attempt (name or index)
    reason: str = ""  # why: "pattern", "default", "fallback", or the conditions that held
    fallbacks: tuple[str, ...] = ()


def compile_pattern(pattern: str) -> re.Pattern[str]:
    if pattern.startswith("^"):
        return re.compile(pattern)
    parts = [re.escape(part) for part in pattern.split("*")]
    return re.compile("^" + "(.*)".join(parts) + "$")


def resolve(routes: tuple[Route, ...], model: str, facts: RequestFacts | None = None) -> Resolved:
    """First route whose pattern (and `when`, given the request's facts) matches; a model no route matches goes
    to the first unconditional anthropic route. Without facts, conditional routes are skipped."""
    for route in routes:
        if not route.matches(model):
            continue
        if route.when is None:
            return bound(route, model, "pattern")
        if facts is not None and route.when.holds(facts):
            return conditional(routes, route, model)
    return bound(default_route(routes), model, "default")


def bound(route: Route, model: str, reason: str) -> Resolved:
    return Resolved(model, route, route.upstream_model(model), route.label, reason, route.fallbacks)


def conditional(routes: tuple[Route, ...], route: Route, model: str) -> Resolved:
    target = route.upstream_model(model)
    reason = f"when {route.when.reason}" if route.when else "when"
    if not route.redirect:
        return Resolved(target, route, target, route.label, reason, route.fallbacks)
    served = resolve(routes, target)
    return Resolved(
        target, served.route, served.upstream_model, route.label, reason, route.fallbacks or served.fallbacks
    )


def default_route(routes: tuple[Route, ...]) -> Route:
    plain = [r for r in routes if r.when is None]
    return next((r for r in plain if r.provider == "anthropic"), plain[0])


def attempt_chain(routes: tuple[Route, ...], model: str, facts: RequestFacts | None = None) -> list[Resolved]:
    """The chosen route's model, then each fallback (and theirs) in order, each model once."""
    first = resolve(routes, model, facts)
    chain: list[Resolved] = [first]
    pending = list(first.fallbacks)
    while pending:
        name = pending.pop(0)
        if any(item.requested_model == name for item in chain):
            continue
        resolved = resolve(routes, name)
        chain.append(Resolved(name, resolved.route, resolved.upstream_model, resolved.label, "fallback"))
        pending.extend(resolved.fallbacks)
    return chain


# --- parsing --------------------------------------------------------------------------------------------------


def parse_routes(data: Any, file: str) -> tuple[Route, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("routes"), list) or not data["routes"]:
        raise ConfigError(file, "routes", "must be a non-empty list of route objects")
    routes = tuple(_parse_route(item, index, file) for index, item in enumerate(data["routes"]))
    if all(route.when is not None for route in routes):
        raise ConfigError(file, "routes", "needs at least one route without `when` (to serve what no condition fits)")
    _check_fallback_loops(routes, file)
    return routes


ROUTE_KEYS = (
    "pattern",
    "provider",
    "endpoint",
    "timeout_ms",
    "api_key_env",
    "model",
    "fallbacks",
    "fallback_on",
    "cache",
    "api",
    "max_tokens",
    "token_field",
    "name",
    "when",
)


def _parse_route(item: Any, index: int, file: str) -> Route:
    key = f"routes[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(file, key, "must be an object")
    unknown = sorted(name for name in item if name not in ROUTE_KEYS and not str(name).startswith("_"))
    if unknown:
        raise ConfigError(file, f"{key}.{unknown[0]}", f"unknown key (known: {', '.join(ROUTE_KEYS)})")
    _check_template(item, key, file)
    when = parse_when(item.get("when"), f"{key}.when", file)
    if when is not None and "provider" not in item:
        return _redirect(item, index, key, file, when)
    provider = _provider(item, key, file)
    return Route(
        index=index,
        pattern=_string(item, "pattern", key, file),
        regex=_regex(item, key, file),
        provider=provider,
        endpoint=_endpoint(item, key, file),
        timeout_ms=_timeout(item, key, file),
        api_key_env=_optional_string(item, "api_key_env", key, file) or DEFAULT_KEY_ENV.get(provider),
        model=_optional_string(item, "model", key, file),
        fallbacks=_fallbacks(item, key, file),
        fallback_on=_fallback_on(item, key, file),
        cache=_bool(item, "cache", key, file),
        api=_api(item, provider, key, file),
        max_tokens=_optional_positive(item, "max_tokens", key, file),
        token_field=_token_field(item, key, file),
        name=_optional_string(item, "name", key, file),
        when=when,
    )


REDIRECT_KEYS = ("pattern", "model", "fallbacks", "name", "when")


def _redirect(item: dict[str, Any], index: int, key: str, file: str, when: When) -> Route:
    """A conditional route without a provider: only names a target model and (optionally) its fallbacks."""
    extra = sorted(name for name in item if name not in REDIRECT_KEYS and not str(name).startswith("_"))
    if extra:
        raise ConfigError(file, f"{key}.{extra[0]}", "only applies with a provider (this route redirects to `model`)")
    return Route(
        index=index,
        pattern=_string(item, "pattern", key, file),
        regex=_regex(item, key, file),
        provider="",
        endpoint="",
        timeout_ms=0,
        api_key_env=None,
        model=_string(item, "model", key, file),
        fallbacks=_fallbacks(item, key, file),
        fallback_on=(),
        cache=True,
        api="anthropic",
        name=_optional_string(item, "name", key, file),
        when=when,
    )


def _string(item: dict[str, Any], name: str, key: str, file: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise ConfigError(file, f"{key}.{name}", f"must be a non-empty string, got {value!r}")
    return value


def _optional_string(item: dict[str, Any], name: str, key: str, file: str) -> str | None:
    return _string(item, name, key, file) if name in item else None


def _provider(item: dict[str, Any], key: str, file: str) -> str:
    provider = _string(item, "provider", key, file)
    if provider not in PROVIDERS:
        raise ConfigError(file, f"{key}.provider", f"unknown provider {provider!r} (use {', '.join(PROVIDERS)})")
    return provider


def _regex(item: dict[str, Any], key: str, file: str) -> re.Pattern[str]:
    pattern = _string(item, "pattern", key, file)
    try:
        return compile_pattern(pattern)
    except re.error as exc:
        raise ConfigError(file, f"{key}.pattern", f"invalid regular expression {pattern!r}: {exc}") from None


def _endpoint(item: dict[str, Any], key: str, file: str) -> str:
    endpoint = _string(item, "endpoint", key, file)
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError(file, f"{key}.endpoint", f"must be an http(s) URL, got {endpoint!r}")
    return endpoint.rstrip("/")


def _timeout(item: dict[str, Any], key: str, file: str) -> int:
    value = item.get("timeout_ms", 600_000)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(file, f"{key}.timeout_ms", f"must be a positive integer, got {value!r}")
    return value


def _check_template(item: dict[str, Any], key: str, file: str) -> None:
    """`model: "\\2"` needs a pattern with two groups; finding out on the first request would be a 500."""
    if not isinstance(item.get("model"), str) or not isinstance(item.get("pattern"), str):
        return
    try:
        groups = compile_pattern(item["pattern"]).groups
        re.compile("(x)" * groups).match("x" * groups).expand(item["model"])  # type: ignore[union-attr]
    except (re.error, IndexError) as exc:
        raise ConfigError(file, f"{key}.model", f"template does not fit the pattern's groups: {exc}") from None


def _optional_positive(item: dict[str, Any], name: str, key: str, file: str) -> int | None:
    value = item.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise ConfigError(file, f"{key}.{name}", f"must be a positive integer, got {value!r}")
    return value


def _token_field(item: dict[str, Any], key: str, file: str) -> TokenField:
    value = item.get("token_field", "max_tokens")
    if value == "max_completion_tokens":
        return "max_completion_tokens"
    if value != "max_tokens":
        raise ConfigError(file, f"{key}.token_field", f"must be max_tokens or max_completion_tokens, got {value!r}")
    return "max_tokens"


def _bool(item: dict[str, Any], name: str, key: str, file: str) -> bool:
    value = item.get(name, True)
    if not isinstance(value, bool):
        raise ConfigError(file, f"{key}.{name}", f"must be true or false, got {value!r}")
    return value


def _fallbacks(item: dict[str, Any], key: str, file: str) -> tuple[str, ...]:
    value = item.get("fallbacks", [])
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise ConfigError(file, f"{key}.fallbacks", "must be a list of model names")
    return tuple(value)


def _fallback_on(item: dict[str, Any], key: str, file: str) -> tuple[int, ...]:
    value = item.get("fallback_on", list(DEFAULT_FALLBACK_ON))
    if not isinstance(value, list) or not all(isinstance(code, int) and 400 <= code < 600 for code in value):
        raise ConfigError(file, f"{key}.fallback_on", "must be a list of HTTP status codes (400-599)")
    return tuple(value)


def _api(item: dict[str, Any], provider: str, key: str, file: str) -> str:
    default = "anthropic" if provider in ("anthropic", "ollama") else "openai"
    api = item.get("api", default)
    if api not in ("anthropic", "openai") or (provider == "anthropic" and api != "anthropic"):
        raise ConfigError(file, f"{key}.api", f"must be 'anthropic' or 'openai' for this provider, got {api!r}")
    return str(api)


def _check_fallback_loops(routes: tuple[Route, ...], file: str) -> None:
    """Refuse chains that come back round (A falls back to B, B to A). At run time each model is tried once
    anyway, so this guards against a misconfiguration, not an endless loop."""
    for route in routes:
        for fallback in route.fallbacks if route.when is None else ():
            _walk_fallbacks(routes, fallback, (fallback,), route, file)


def _walk_fallbacks(routes: tuple[Route, ...], model: str, seen: tuple[str, ...], origin: Route, file: str) -> None:
    for nxt in resolve(routes, model).fallbacks:
        if nxt == model:
            continue  # a catch-all route listing its own model: "no further fallback", not a loop
        if nxt in seen:
            loop = " -> ".join([*seen, nxt])
            raise ConfigError(file, f"routes[{origin.index}].fallbacks", f"fallback loop: {loop}")
        _walk_fallbacks(routes, nxt, (*seen, nxt), origin, file)
