"""`cco setup claude`, `cco doctor`, `cco sessions` and `cco stats --session`: argument parsing and printing."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cco_tui.commands import claude_settings, doctor
from cco_tui.commands.usage_reader import SessionUsage, connect, session_usage, sessions
from cco_tui.config.errors import ConfigError

EXIT_CONFIG = 2


def port_number(text: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def time_argument(text: str) -> float:
    from cco_tui.store.timespec import parse_time  # the forms `cco stats --since` takes

    try:
        return parse_time(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cco")
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="point a client at cco")
    setup.add_argument("client", choices=("claude",), help="the client to set up: claude (Claude Code)")
    add_address(setup)
    setup.add_argument("--project", type=Path, metavar="DIR", help="DIR/.claude/settings.json, not ~/.claude's")
    setup.add_argument("--undo", action="store_true", help="take cco out of the settings again")
    setup.add_argument("--https", action="store_true", help="cco serves TLS (--tls-cert): write an https:// address")
    setup.add_argument("--db", help="the database cco records into, when not the default (for the status line)")
    setup.set_defaults(func=run_setup)
    check = commands.add_parser("doctor", help="check Claude Code → cco → provider, and say what to fix")
    add_address(check, default=None)
    check.add_argument("--project", type=Path, metavar="DIR", help="the project whose settings to read (cwd)")
    check.add_argument("--config", metavar="DIR", default=os.environ.get("CCO_CONFIG_DIR"), help="cco's config")
    check.add_argument("--model", help="the model to test and look up prices for (default: Claude Code's)")
    check.set_defaults(func=run_doctor)
    listing = commands.add_parser("sessions", help="Claude Code sessions recorded by cco, with their cost")
    listing.add_argument("--project", help="only sessions with calls in this project")
    listing.add_argument("--since", type=time_argument, help="only sessions active since: 7d, 24h, today, a date…")
    add_db_and_json(listing)
    listing.set_defaults(func=run_sessions)
    return parser


def add_address(parser: argparse.ArgumentParser, default: object = "") -> None:
    host = claude_settings.DEFAULT_HOST if default == "" else None
    port = claude_settings.DEFAULT_PORT if default == "" else None
    parser.add_argument("--host", default=host, help=f"cco's address (default {claude_settings.DEFAULT_HOST})")
    parser.add_argument("--port", type=port_number, default=port, help=f"(default {claude_settings.DEFAULT_PORT})")


def add_db_and_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="database file (default: $CCO_DB or the user data directory)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run_setup(args: argparse.Namespace) -> int:
    path = claude_settings.settings_path(args.project)
    if args.undo:
        print(claude_settings.undo(path))
        return 0
    if "://" in args.host or "/" in args.host:
        print(
            f"cco: --host: give a host name or address, not {args.host!r} (use --https for an HTTPS cco)",
            file=sys.stderr,
        )
        return 2
    address = claude_settings.base_url(args.host, args.port, args.https)
    wanted = claude_settings.Wanted(address, claude_settings.statusline_entry(db=args.db))
    print(claude_settings.setup(path, wanted))
    print("check the whole chain with: cco doctor")
    return 0


def doctor_address(args: argparse.Namespace) -> str:
    """--host/--port when given, else what Claude Code's settings point at, else cco's default address."""
    if args.host is None and args.port is None:
        found = doctor.env_setting(doctor.settings_files(project_dir(args)), claude_settings.BASE_URL_KEY)
        if found.value:
            return str(found.value).rstrip("/")
    host = args.host or os.environ.get("CCO_HOST", claude_settings.DEFAULT_HOST)
    port = args.port or int(os.environ.get("CCO_PORT", claude_settings.DEFAULT_PORT))
    return claude_settings.base_url(host, port)


def project_dir(args: argparse.Namespace) -> Path:
    return Path(args.project) if args.project else Path.cwd()


def run_doctor(args: argparse.Namespace) -> int:
    checks = doctor.run_checks(doctor_address(args), project_dir(args), args.config, args.model)
    for check in checks:
        mark = "ok  " if check.ok and not check.warning else ("warn" if check.ok or check.warning else "FAIL")
        print(f"{mark}  {check.name:<22} {check.detail}")
        if check.fix and (not check.ok or check.warning):
            print(f"      {'':<22} fix: {check.fix}")
    failed = [check for check in checks if not check.ok and not check.warning]
    print(f"cco doctor: {len(failed)} problem{'s' * (len(failed) != 1)}" if failed else "cco doctor: all good")
    return 1 if failed else 0


def db_path(explicit: str | Path | None) -> Path:
    from cco_tui.commands.statusline import default_db_path

    chosen = str(explicit) if explicit else default_db_path()
    return Path(chosen.removeprefix("sqlite://")).expanduser()  # sqlite:///abs/path keeps its leading slash


def open_reader(explicit: str | Path | None) -> sqlite3.Connection | None:
    if str(explicit or "").startswith(("postgresql:", "postgres:")):
        print("cco: sessions are read from a SQLite store; for PostgreSQL use cco stats", file=sys.stderr)
        return None
    path = db_path(explicit)
    if not path.is_file():
        print(f"cco: no analytics database at {path} (no requests recorded yet?)", file=sys.stderr)
        return None
    return connect(path)


def session_json(session: SessionUsage) -> dict[str, Any]:
    lookups = session.cache_lookups
    return {
        "id": session.session_id,
        "project": session.project,
        "start": session.start,
        "start_time": iso(session.start),
        "end": session.end,
        "duration_s": round(session.end - session.start, 3),
        "calls": session.calls,
        "subagent_calls": session.subagent_calls,
        "cost_usd": session.cost_usd,
        "unpriced_calls": session.unpriced_calls,
        "saved_usd": session.saved_usd,
        "cache_hit_rate": session.cache_hits / lookups if lookups else None,
        "prompt_cache_read_share": session.prompt_cache_read_share,
        "input_tokens": session.input_tokens,
        "output_tokens": session.output_tokens,
        "cache_read_tokens": session.cache_read_tokens,
        "cache_write_tokens": session.cache_write_tokens,
        "projects": session.projects,
    }


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(epoch))


def run_sessions(args: argparse.Namespace) -> int:
    reader = open_reader(args.db)
    if reader is None:
        return 1
    found = sessions(reader, args.project, args.since)
    reader.close()
    if args.json:
        print(json.dumps({"sessions": [session_json(s) for s in found]}, indent=2))
        return 0
    print(f"{'session':<38} {'project':<20} {'start':<19} {'calls':>6} {'subagent':>8} {'cost $':>10}")
    for s in found:
        start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.start))
        print(
            f"{s.session_id[:38]:<38} {s.project[:20]:<20} {start:<19} {s.calls:>6} {s.subagent_calls:>8}"
            f" {s.cost_usd:>10.4f}"
        )
    return 0


def run_session_stats(db: str | Path | None, session_id: str, as_json: bool) -> int:
    """`cco stats --session ID`."""
    reader = open_reader(db)
    if reader is None:
        return 1
    session = session_usage(reader, session_id)
    reader.close()
    if not session.calls:
        print(f"cco: no calls recorded for session {session_id}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(session_json(session), indent=2))
        return 0
    for key, value in session_json(session).items():
        print(f"  {key:<24} {value}")
    return 0


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
