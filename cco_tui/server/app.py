"""The Quart application: routes, guards, error shapes and the lifespan of the shared upstream client."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from quart import Quart, Response, request
from werkzeug.exceptions import HTTPException

from cco_tui import __version__
from cco_tui.config.network import is_loopback_address
from cco_tui.config.settings import Config
from cco_tui.pipeline.access import is_cco_token, presented_token
from cco_tui.pipeline.guard import make_policy
from cco_tui.pipeline.intake import new_request_id
from cco_tui.server.error_response import error_response
from cco_tui.server.front import ProxyFront
from cco_tui.server.health import health_blueprint
from cco_tui.server.limits_api import limits_blueprint
from cco_tui.server.metrics import metrics_blueprint
from cco_tui.server.state import ServerState
from cco_tui.server.stats_api import stats_blueprint
from cco_tui.store.target import DbTarget, db_target
from cco_tui.wire.asgi import ASGIApp
from cco_tui.wire.headers import http_date


def create_app(config: Config, db_path: DbTarget | Path | str, bind_host: str = "127.0.0.1") -> Quart:
    settings = config.settings
    state = ServerState(config, make_policy(bind_host, settings.allowed_hosts, settings.allowed_origins), db_path)
    app = Quart("cco")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes, RESPONSE_TIMEOUT=None, BODY_TIMEOUT=settings.body_timeout_s
    )
    app.extensions["cco"] = state
    app.before_serving(state.open)
    app.after_serving(state.close)
    register_guards(app, state)
    register_stamps(app)
    register_errors(app)
    register_routes(app, state)
    register_cache_api(app, state)
    app.register_blueprint(stats_blueprint(db_path))
    app.register_blueprint(health_blueprint(state))
    app.register_blueprint(metrics_blueprint(state.metrics))
    app.register_blueprint(limits_blueprint(state.governor, state.meters))
    front = ProxyFront(cast("ASGIApp", app.asgi_app), state)
    app.asgi_app = front  # type: ignore[assignment,method-assign]
    return app


def register_stamps(app: Quart) -> None:
    """cco's own endpoints carry the same request id header as proxied responses, and a Date."""

    @app.after_request
    async def stamp(response: Response) -> Response:
        response.headers.setdefault("x-cco-request-id", new_request_id())
        response.headers.setdefault("date", http_date().decode())
        return response


def register_guards(app: Quart, state: ServerState) -> None:
    @app.before_request
    async def guard() -> Response | None:
        problem = state.policy.request_problem(
            request.headers.get("host"), request.headers.get("origin"), request.remote_addr or ""
        )
        if problem:
            return error_response(403, problem, "permission_error")
        if not is_local_only(request.path):
            return None
        if state.config.settings.auth == "tokens":
            return await admin_problem(state, presented_token(raw_headers(request.headers.items(lower=True))))
        if not is_loopback_address(request.remote_addr or ""):
            return error_response(403, "this endpoint only answers on loopback", "permission_error")
        return None


def raw_headers(items: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1", "replace")) for name, value in items]


async def admin_problem(state: ServerState, token: str | None) -> Response | None:
    """With "auth": "tokens", cco's own API needs an admin token, from anywhere (or, for the dashboard running
    in this same process, the secret it was handed)."""
    if token is not None and hmac.compare_digest(token.encode(), state.dashboard_token.encode()):
        return None
    key = await state.authenticate(token) if token is not None and is_cco_token(token) else None
    if key is None:
        return error_response(401, "this endpoint needs a cco admin access token", "authentication_error")
    if not key.admin:
        return error_response(403, f"access token {key.id} is not an admin token", "permission_error")
    return None


def is_local_only(path: str) -> bool:
    return (path.startswith("/api/") and path != "/api/hello") or path == "/metrics"


def register_errors(app: Quart) -> None:
    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 413:
            return error_response(413, "request body exceeds the configured max_body_bytes", "request_too_large")
        return error_response(status, error.description or error.name)

    @app.errorhandler(Exception)
    async def unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error while handling %s %s", request.method, request.path)
        return error_response(500, f"internal error in cco: {type(error).__name__}", "api_error")


def register_routes(app: Quart, state: ServerState) -> None:
    @app.route("/", methods=["GET", "HEAD"])
    @app.route("/api/hello", methods=["GET", "HEAD"])
    async def probe() -> dict[str, Any]:
        return {"name": "cco", "version": __version__}

    @app.get("/api/info")
    async def info() -> dict[str, Any]:
        """What a viewer (a second `cco` on this port) needs to show this process's data: the database it
        records into. Loopback only, like the rest of /api/; it never includes a credential."""
        return {"service": "cco", "version": __version__, "database": database_info(db_target(state.db_path))}


def database_info(target: DbTarget) -> dict[str, str]:
    """A SQLite file by its absolute path; a server database by its URL with the password masked (a viewer
    then needs its own --db for it)."""
    if target.path is not None:
        return {"kind": target.kind, "path": str(target.path.absolute())}
    return {"kind": target.kind, "display": target.display}


def register_cache_api(app: Quart, state: ServerState) -> None:
    @app.get("/api/cache/stats")
    async def cache_stats() -> dict[str, Any]:
        state.cache.purge_expired()  # so the entry count is right even when nothing has been stored lately
        stats = state.cache.stats()
        if state.second_tier is not None:
            stats["redis"] = state.second_tier.stats()
        return stats

    @app.post("/api/cache/clear")
    async def cache_clear() -> dict[str, Any]:
        return {"cleared": state.clear_cache()}
