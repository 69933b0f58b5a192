"""Claude Code's settings.json, as `cco setup claude` changes it and `--undo` puts it back.

Setup adds two entries and keeps every other key: `env.ANTHROPIC_BASE_URL` (cco's address) and `statusLine`
(`cco statusline`). Before the first change it writes a backup beside the file holding the original bytes
(or that there was no file), what was added, and a digest of what was written. Undo restores the original
exactly when the file is still what setup wrote; when the user has edited it since, undo removes only the
entries setup added (values still as added) and restores what they replaced. No printing here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cco_tui.config.errors import ConfigError

BASE_URL_KEY = "ANTHROPIC_BASE_URL"
BACKUP_SUFFIX = ".cco-backup.json"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
Settings = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Wanted:
    base_url: str
    status_line: dict[str, str]


def user_settings_path() -> Path:
    return Path.home() / ".claude" / "settings.json"


def settings_path(project: Path | None) -> Path:
    """~/.claude/settings.json, or DIR/.claude/settings.json for one project."""
    return project.expanduser().absolute() / ".claude" / "settings.json" if project else user_settings_path()


def base_url(host: str, port: int, https: bool = False) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host  # IPv6 literal
    return f"{'https' if https else 'http'}://{shown}:{port}"


def cco_executable() -> str:
    """The absolute path of the `cco` being run (the console script), so the status line needs no PATH."""
    invoked = Path(sys.argv[0])
    if invoked.name == "cco" and invoked.exists():
        return str(invoked.absolute())
    found = shutil.which("cco")
    if found:
        return str(Path(found).absolute())
    return f"{shlex.quote(sys.executable)} -m cco_tui"  # a checkout without the console script


def statusline_entry(executable: str | None = None, db: str | None = None) -> dict[str, str]:
    """The statusLine command; with the database cco serves from when it is not the default one."""
    program = executable or cco_executable()
    quoted = program if " -m " in program else shlex.quote(program)
    database = f" --db {shlex.quote(db)}" if db else ""
    return {"type": "command", "command": f"{quoted} statusline{database}"}


def encode(settings: Settings) -> bytes:
    return (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode()


def parse(raw: bytes | None, path: Path) -> Settings:
    if raw is None or not raw.strip():
        return {}
    try:
        settings = json.loads(raw)
    except ValueError as error:
        raise ConfigError(str(path), "(file)", f"not valid JSON: {error}") from None
    if not isinstance(settings, dict):
        raise ConfigError(str(path), "(top level)", "must be a JSON object")
    if "env" in settings and not isinstance(settings["env"], dict):
        raise ConfigError(str(path), "env", "must be a JSON object")
    return settings


def with_cco(settings: Settings, wanted: Wanted) -> Settings:
    """The settings with cco's two entries set; every other key (and key order) kept."""
    updated = dict(settings)
    updated["env"] = {**settings.get("env", {}), BASE_URL_KEY: wanted.base_url}
    updated["statusLine"] = dict(wanted.status_line)
    return updated


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step (a crash never leaves half a settings file), keeping its permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def setup(path: Path, wanted: Wanted) -> str:
    """Add cco's entries; returns what happened. Running it again changes nothing."""
    raw = read_bytes(path)
    current = parse(raw, path)
    updated = with_cco(current, wanted)
    if updated == current:
        return f"{path} already points Claude Code at {wanted.base_url}; nothing changed"
    written = encode(updated)
    backup = backup_path(path)
    state = load_backup(backup) or {"existed": raw is not None, "original": raw.decode() if raw else None}
    state.update(added={"base_url": wanted.base_url, "status_line": wanted.status_line}, written=digest(written))
    replaced = current.get("statusLine")
    write_atomically(
        backup, encode({"_about": "written by `cco setup claude`; undo: cco setup claude --undo", **state})
    )
    write_atomically(path, written)
    note = (
        f" (your previous statusLine is kept in {backup.name})" if replaced and replaced != wanted.status_line else ""
    )
    return f"{path}: Claude Code now talks to {wanted.base_url} and shows `cco statusline`{note}; backup {backup}"


def load_backup(backup: Path) -> Settings | None:
    raw = read_bytes(backup)
    if raw is None:
        return None
    state = parse(raw, backup)
    if not isinstance(state.get("added"), dict) or "existed" not in state:
        raise ConfigError(str(backup), "added", "not a backup written by `cco setup claude`")
    return state


def undo(path: Path) -> str:
    backup = backup_path(path)
    state = load_backup(backup)
    if state is None:
        return f"nothing to undo: no {backup.name} beside {path}"
    raw = read_bytes(path)
    if raw is not None and digest(raw) == state.get("written"):
        message = restore_original(path, state)
    else:
        message = remove_added(path, raw, state)
    backup.unlink()
    return message


def restore_original(path: Path, state: Settings) -> str:
    if not state["existed"]:
        path.unlink()
        return f"{path} removed (cco setup created it)"
    write_atomically(path, str(state["original"]).encode())
    return f"{path} restored as it was before `cco setup claude`"


def remove_added(path: Path, raw: bytes | None, state: Settings) -> str:
    """The file changed since setup: take out only cco's entries, and only where they are still cco's."""
    if raw is None:
        return f"{path} no longer exists; nothing to undo"
    current, added = parse(raw, path), state["added"]
    original = parse(str(state["original"]).encode(), path) if state["existed"] and state["original"] else {}
    env = dict(current.get("env", {}))
    if env.get(BASE_URL_KEY) == added["base_url"]:
        restore_key(env, original.get("env", {}), BASE_URL_KEY)
        current["env"] = env
        if not env and "env" not in original:
            del current["env"]
    if current.get("statusLine") == added["status_line"]:
        restore_key(current, original, "statusLine")
    write_atomically(path, encode(current))
    return f"{path} was edited since setup: removed only cco's entries, kept your changes"


def restore_key(target: Settings, original: Settings, key: str) -> None:
    if key in original:
        target[key] = original[key]
    else:
        target.pop(key, None)
