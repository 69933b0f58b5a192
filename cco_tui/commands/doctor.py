"""`cco doctor`: is the chain Claude Code → cco → provider in working order? Each check says what to fix.

The test request is `POST /v1/messages/count_tokens`: it goes through cco to the provider like a real call
but is free, so the doctor never spends the user's money. No printing here (commands.py prints).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cco_tui.commands.claude_settings import BASE_URL_KEY, parse, read_bytes, settings_path
from cco_tui.config.errors import ConfigError

# What Claude Code asks for when no model is configured (2.1.197 and 2.1.332; see reference/claude-code.md).
CLAUDE_CODE_DEFAULT_MODELS = ("claude-opus-4-8", "claude-opus-5-5")
MODEL_ALIASES = frozenset({"opus", "sonnet", "haiku", "default", "opusplan", "best"})
TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth knowing, not a failure


@dataclass(frozen=True, slots=True)
class Found:
    """A value from the first Claude Code settings file (highest precedence first) that sets it."""

    value: Any
    source: Path | None


def settings_files(project: Path) -> list[Path]:
    """Claude Code's precedence: the project's local file, the project's shared file, then the user's."""
    claude_dir = project.absolute() / ".claude"
    return [claude_dir / "settings.local.json", claude_dir / "settings.json", settings_path(None)]


def find_setting(files: list[Path], pick: Callable[[dict[str, Any]], Any]) -> Found:
    for path in files:
        value = pick(parse(read_bytes(path), path))
        if value is not None:
            return Found(value, path)
    return Found(None, None)


def env_setting(files: list[Path], key: str) -> Found:
    return find_setting(files, lambda settings: settings.get("env", {}).get(key))


def check_settings(files: list[Path], address: str) -> Check:
    found = env_setting(files, BASE_URL_KEY)
    setup = f"cco setup claude --host … --port … (or edit {found.source})" if found.source else "cco setup claude"
    if found.value is None:
        exported = os.environ.get(BASE_URL_KEY)
        if exported and exported.rstrip("/") == address:
            return Check("Claude Code settings", True, f"{BASE_URL_KEY} is exported in this shell only", setup, True)
        return Check("Claude Code settings", False, "no settings file sets env.ANTHROPIC_BASE_URL", setup)
    if str(found.value).rstrip("/") != address:
        return Check("Claude Code settings", False, f"{found.source} points Claude Code at {found.value}", setup)
    return Check("Claude Code settings", True, f"{found.source} points Claude Code at {address}")


def check_status_line(files: list[Path]) -> Check:
    found = find_setting(files, lambda settings: settings.get("statusLine"))
    command = found.value.get("command", "") if isinstance(found.value, dict) else ""
    if "statusline" in command and "cco" in command:
        return Check("status line", True, f"{found.source} runs `{command}`")
    return Check("status line", False, "Claude Code does not run `cco statusline`", "cco setup claude", True)


def http(method: str, url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    """(status, parsed JSON body or None); OSError when nothing answers."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def check_reachable(address: str) -> Check:
    try:
        status, body = http("GET", address + "/health")
    except OSError as error:
        reason = getattr(error, "reason", error)
        return Check("cco reachable", False, f"nothing answers at {address} ({reason})", "start it: cco --headless")
    if status != 200 or not isinstance(body, dict) or body.get("service") != "cco":
        return Check("cco reachable", False, f"{address}/health answered {status}, not as cco", "check host/port")
    return Check("cco reachable", True, f"cco {body.get('version', '?')} answers at {address}")


def credential_headers(files: list[Path]) -> dict[str, str]:
    """The key Claude Code would send (exported, or in a settings file's env); never printed."""
    key = os.environ.get("ANTHROPIC_API_KEY") or env_setting(files, "ANTHROPIC_API_KEY").value
    token = os.environ.get("ANTHROPIC_AUTH_TOKEN") or env_setting(files, "ANTHROPIC_AUTH_TOKEN").value
    if key:
        return {"x-api-key": str(key)}
    return {"authorization": f"Bearer {token}"} if token else {}


def check_request(address: str, model: str, credentials: dict[str, str]) -> Check:
    body = {"model": model, "messages": [{"role": "user", "content": "cco doctor"}]}
    headers = {"content-type": "application/json", "anthropic-version": "2023-06-01", **credentials}
    try:
        status, answer = http("POST", address + "/v1/messages/count_tokens", body, headers)
    except OSError as error:
        return Check("test request", False, f"count_tokens through cco failed: {error}", "see cco's log")
    if status == 200 and isinstance(answer, dict) and "input_tokens" in answer:
        return Check("test request", True, f"count_tokens for {model} through cco: {answer['input_tokens']} tokens")
    message = answer.get("error", {}).get("message", "") if isinstance(answer, dict) else ""
    if status == 401 and not credentials:
        detail = f"the request reached the provider through cco, which wants a key (401: {message})"
        fix = "Claude Code sends its own login; export ANTHROPIC_API_KEY to let cco doctor test one"
        return Check("test request", True, detail, fix, True)
    return Check("test request", False, f"count_tokens through cco answered {status}: {message}", _fix_for(status))


def _fix_for(status: int) -> str:
    if status in (401, 403):
        return "check the API key (ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN) or cco's allowed hosts"
    if status == 404:
        return "the model's route or name: see model-routing.json in cco's config directory"
    return "see cco's log (cco --headless --log-level debug)"


def models_to_price(files: list[Path], explicit: str | None) -> list[str]:
    configured = (
        explicit
        or os.environ.get("ANTHROPIC_MODEL")
        or env_setting(files, "ANTHROPIC_MODEL").value
        or find_setting(files, lambda settings: settings.get("model")).value
    )
    if configured and str(configured).lower() not in MODEL_ALIASES:
        return [str(configured)]
    return list(CLAUDE_CODE_DEFAULT_MODELS)


def check_pricing(config_dir: str | None, models: list[str]) -> Check:
    from cco_tui.config.settings import load_config  # the same files the server reads

    try:
        pricing = load_config(config_dir).pricing
    except ConfigError as error:
        return Check("pricing", False, str(error), "fix that file")
    missing = [model for model in models if pricing.lookup(model) is None]
    if missing:
        fix = "add prices to model-pricing.json in cco's config directory (or update cco)"
        return Check("pricing", False, f"no price for {', '.join(missing)}: its cost would show as unpriced", fix)
    return Check("pricing", True, f"prices known for {', '.join(models)}")


def run_checks(address: str, project: Path, config_dir: str | None, model: str | None) -> list[Check]:
    files = settings_files(project)
    checks = [check_settings(files, address), check_status_line(files), check_reachable(address)]
    models = models_to_price(files, model)
    if checks[2].ok:
        checks.append(check_request(address, models[0], credential_headers(files)))
    checks.append(check_pricing(config_dir, models))
    return checks
