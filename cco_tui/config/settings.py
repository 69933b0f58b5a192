"""Configuration: the three JSON files, where they are looked up, and their validation.

Lookup: `--config DIR`, else the user config dir if it exists, else the defaults shipped in the package. A file
missing from the chosen dir falls back to the shipped one. Every problem is a ConfigError naming the file and key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cco_tui.config.errors import ConfigError
from cco_tui.config.limits import AUTH_MODES, BudgetRule, LimitRule, parse_budgets, parse_limits
from cco_tui.config.paths import shipped_config_dir, user_config_dir
from cco_tui.config.reader import JsonReader
from cco_tui.config.routes import Route, parse_routes
from cco_tui.costs.pricing import PricingTable, load_pricing_layers, merge, shipped_pricing_path

SETTINGS_FILE = "settings.json"
ROUTING_FILE = "model-routing.json"
PRICING_FILE = "model-pricing.json"


@dataclass(frozen=True, slots=True)
class CacheSettings:
    enabled: bool = True
    max_bytes: int = 256 * 1024 * 1024
    ttl_seconds: float = 86400.0
    scope: str = "credential"  # or "shared"
    persist: bool = False
    redis_max_entry_bytes: int = 4 * 1024 * 1024  # the Redis tier keeps no entry bigger than this, compressed


@dataclass(frozen=True, slots=True)
class RedisDown:
    """What limits and budgets do while Redis cannot be reached: "open" counts in this process alone (each
    replica then admits up to the whole limit), "closed" refuses the requests they apply to."""

    limits: str = "open"
    budgets: str = "closed"


@dataclass(frozen=True, slots=True)
class Settings:
    max_body_bytes: int = 32 * 1024 * 1024
    connect_timeout_s: float = 10.0
    shutdown_timeout_s: float = 5.0
    body_timeout_s: float = 60.0  # longest a client may take to send a request body (then 408)
    refresh_seconds: float = 5.0
    retry_after_cap_s: float = 5.0  # longest retry-after cco waits before retrying a model that has fallbacks
    allowed_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    analytics: bool = True  # record every request in the database (no prompt text, no keys)
    pricing_source: str | None = None  # URL or path of a LiteLLM-format price map, layered over the shipped prices
    pricing_refresh_hours: float = 24.0
    cache: CacheSettings = field(default_factory=CacheSettings)
    tls_cert: str | None = None  # settings.json `tls.cert` / `tls.key`: HTTPS on cco's own port
    tls_key: str | None = None
    behind_tls_proxy: bool = False  # an ingress terminates TLS: a non-loopback bind may speak plain HTTP
    auth: str = "passthrough"  # or "tokens": only cco access tokens are accepted (required off loopback)
    limits: tuple[LimitRule, ...] = ()
    budgets: tuple[BudgetRule, ...] = ()
    redis_url: str | None = None  # the shared cache tier and counters; None: this process alone
    on_redis_down: RedisDown = field(default_factory=RedisDown)


@dataclass(frozen=True, slots=True)
class Config:
    config_dir: Path | None  # None: only the shipped defaults are in use
    settings: Settings
    routes: tuple[Route, ...]
    pricing: PricingTable  # shipped prices with the user's model-pricing.json over them
    sources: dict[str, Path]  # file name -> the path it was read from
    shipped_pricing: PricingTable | None = None  # the layers of `pricing`, for pricing_source to go between
    user_pricing: PricingTable | None = None


def choose_config_dir(explicit: str | None) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_dir():
            raise ConfigError(str(path), "--config", "is not a directory")
        return path
    user_dir = user_config_dir()
    return user_dir if user_dir.is_dir() else None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            str(path), "(file)", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot be read: {exc.strerror}") from None


def locate(name: str, config_dir: Path | None) -> Path:
    if config_dir is not None and (config_dir / name).is_file():
        return config_dir / name
    return shipped_config_dir() / name


def load_config(explicit_dir: str | None = None) -> Config:
    config_dir = choose_config_dir(explicit_dir or os.environ.get("CCO_CONFIG_DIR"))
    sources = {name: locate(name, config_dir) for name in (SETTINGS_FILE, ROUTING_FILE, PRICING_FILE)}
    settings = parse_settings(read_json(sources[SETTINGS_FILE]), str(sources[SETTINGS_FILE]))
    routes = parse_routes(read_json(sources[ROUTING_FILE]), str(sources[ROUTING_FILE]))
    shipped, user = load_pricing_layers(shipped_pricing_path(), sources[PRICING_FILE])
    pricing = shipped if user is None else merge(shipped, user)
    return Config(config_dir, settings, routes, pricing, sources, shipped, user)


# --- settings.json -------------------------------------------------------------------------------------------


_DEFAULTS = Settings()
_CACHE_DEFAULTS = CacheSettings()


SETTINGS_KEYS = (
    "max_body_bytes",
    "connect_timeout_s",
    "shutdown_timeout_s",
    "body_timeout_s",
    "refresh_seconds",
    "retry_after_cap_s",
    "allowed_origins",
    "allowed_hosts",
    "analytics",
    "pricing_source",
    "pricing_refresh_hours",
    "cache",
    "tls",
    "behind_tls_proxy",
    "auth",
    "limits",
    "budgets",
    "redis_url",
    "on_redis_down",
)
CACHE_KEYS = ("enabled", "max_bytes", "ttl_seconds", "scope", "persist", "redis_max_entry_bytes")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DOWN_MODES = ("open", "closed")


def parse_settings(data: Any, file: str) -> Settings:
    reader = JsonReader(data, file).only(*SETTINGS_KEYS)
    return Settings(
        max_body_bytes=reader.integer("max_body_bytes", _DEFAULTS.max_body_bytes),
        connect_timeout_s=reader.number("connect_timeout_s", _DEFAULTS.connect_timeout_s),
        shutdown_timeout_s=reader.number("shutdown_timeout_s", _DEFAULTS.shutdown_timeout_s),
        body_timeout_s=reader.number("body_timeout_s", _DEFAULTS.body_timeout_s),
        refresh_seconds=reader.number("refresh_seconds", _DEFAULTS.refresh_seconds),
        retry_after_cap_s=reader.number("retry_after_cap_s", _DEFAULTS.retry_after_cap_s, minimum=-1),
        allowed_origins=reader.strings("allowed_origins"),
        allowed_hosts=reader.strings("allowed_hosts"),
        analytics=reader.boolean("analytics", _DEFAULTS.analytics),
        pricing_source=reader.optional_text("pricing_source"),
        pricing_refresh_hours=reader.number("pricing_refresh_hours", _DEFAULTS.pricing_refresh_hours),
        cache=parse_cache_settings(reader.section("cache").only(*CACHE_KEYS)),
        tls_cert=reader.section("tls").only("cert", "key").optional_string("cert"),
        tls_key=reader.section("tls").optional_string("key"),
        behind_tls_proxy=reader.boolean("behind_tls_proxy", _DEFAULTS.behind_tls_proxy),
        auth=reader.choice("auth", _DEFAULTS.auth, AUTH_MODES),
        limits=parse_limits(reader.data.get("limits"), file),
        budgets=parse_budgets(reader.data.get("budgets"), file),
        redis_url=checked_redis_url(reader.optional_string("redis_url"), reader.fail),
        on_redis_down=parse_redis_down(reader),
    )


def checked_redis_url(url: str | None, fail: Callable[[str, str], ConfigError]) -> str | None:
    if url is not None and not url.startswith(REDIS_SCHEMES):
        raise fail("redis_url", "must start with redis://, rediss:// or unix://")
    return url


def parse_redis_down(reader: JsonReader) -> RedisDown:
    """A string for both, or {"limits": …, "budgets": …}."""
    value = reader.data.get("on_redis_down")
    if value is None:
        return RedisDown()
    if isinstance(value, str):
        return RedisDown(*(2 * [reader.choice("on_redis_down", "open", DOWN_MODES)]))
    section = reader.section("on_redis_down").only("limits", "budgets")
    defaults = RedisDown()
    return RedisDown(
        section.choice("limits", defaults.limits, DOWN_MODES), section.choice("budgets", defaults.budgets, DOWN_MODES)
    )


def parse_cache_settings(reader: JsonReader) -> CacheSettings:
    return CacheSettings(
        enabled=reader.boolean("enabled", _CACHE_DEFAULTS.enabled),
        max_bytes=reader.integer("max_bytes", _CACHE_DEFAULTS.max_bytes),
        ttl_seconds=reader.number("ttl_seconds", _CACHE_DEFAULTS.ttl_seconds),
        scope=reader.choice("scope", _CACHE_DEFAULTS.scope, ("credential", "shared")),
        persist=reader.boolean("persist", _CACHE_DEFAULTS.persist),
        redis_max_entry_bytes=reader.integer("redis_max_entry_bytes", _CACHE_DEFAULTS.redis_max_entry_bytes),
    )
