"""The `cco` command. The only module (with the report commands) allowed to print."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import peewee
import platformdirs

from cco_tui import __version__
from cco_tui.config.errors import ConfigError
from cco_tui.config.network import is_loopback_address
from cco_tui.config.settings import SETTINGS_FILE, Config, load_config
from cco_tui.config.tls import TlsFiles, check_tls_files, choose_tls
from cco_tui.runner import PortInUse, RunOptions, launch
from cco_tui.store.db import default_db_path
from cco_tui.store.migrations import SchemaError

EXIT_CONFIG = 2
T = TypeVar("T")
LOG_LEVELS = ("debug", "info", "warning", "error")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def port_number(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def log_level(text: str) -> str:
    if text.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.lower()


def from_environment(name: str, parse: Callable[[str], T], default: T) -> T:
    """Environment defaults are checked like flags, but a bad one is reported as configuration (exit 2)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except argparse.ArgumentTypeError as error:
        raise ConfigError("environment", name, str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cco", description="Claude Code Orchestrator: proxy + dashboard.", epilog=EPILOG
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--host", default=os.environ.get("CCO_HOST", "127.0.0.1"), help="bind address [CCO_HOST]")
    parser.add_argument("--port", type=port_number, default=None, help="[CCO_PORT, default 8000]")
    parser.add_argument(
        "--headless",
        action="store_true",
        default=env_flag("CCO_HEADLESS"),
        help="serve without the dashboard; logs to stderr [CCO_HEADLESS=1]",
    )
    parser.add_argument(
        "--config",
        metavar="DIR",
        default=os.environ.get("CCO_CONFIG_DIR"),
        help="config directory [CCO_CONFIG_DIR]",
    )
    parser.add_argument("--db", metavar="PATH", default=os.environ.get("CCO_DB"), help="SQLite database [CCO_DB]")
    parser.add_argument(
        "--project",
        default=os.environ.get("CCO_PROJECT"),
        help="the dashboard's current project [CCO_PROJECT]",
    )
    parser.add_argument("--log-level", type=log_level, default=None, help="debug|info|warning|error [CCO_LOG_LEVEL]")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        default=env_flag("CCO_ALLOW_REMOTE"),
        help="allow binding a non-loopback address [CCO_ALLOW_REMOTE=1]",
    )
    add_tls_arguments(parser)
    return parser


def add_tls_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tls-cert", metavar="PATH", help="serve HTTPS with this PEM certificate [CCO_TLS_CERT]")
    parser.add_argument("--tls-key", metavar="PATH", help="the certificate's PEM private key [CCO_TLS_KEY]")
    parser.add_argument(
        "--behind-tls-proxy",
        action="store_true",
        default=env_flag("CCO_BEHIND_TLS_PROXY"),
        help="an ingress terminates TLS: a non-loopback bind may serve plain HTTP [CCO_BEHIND_TLS_PROXY=1]",
    )
    parser.add_argument(
        "--ca", metavar="FILE", help="CA certificate to trust when the dashboard talks to an HTTPS cco (viewer mode)"
    )


REPORT_COMMANDS = ("stats", "export")
PRICING_COMMANDS = ("pricing", "reprice")
EPILOG = (
    "reports: `cco stats --help`, `cco export --help`; prices: `cco pricing check`, `cco reprice --help`"
    " (they read the database; no server needed); access tokens: `cco keys --help`"
)


def run_report(argv: list[str]) -> int:
    """`cco stats` / `cco export`: imported only when asked for, so starting the proxy stays lean."""
    from cco_tui.commands.reports import add_report_commands

    parser = argparse.ArgumentParser(prog="cco")
    add_report_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def run_pricing(argv: list[str]) -> int:
    """`cco pricing check` / `cco reprice`: imported only when asked for."""
    from cco_tui.commands.pricing import add_pricing_commands

    parser = argparse.ArgumentParser(prog="cco")
    add_pricing_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def run_keys(argv: list[str]) -> int:
    """`cco keys …`: access tokens, imported only when asked for."""
    from cco_tui.commands.keys import add_keys_command

    parser = argparse.ArgumentParser(prog="cco")
    add_keys_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (sqlite3.Error, peewee.DatabaseError, OSError, SchemaError) as error:
        print(f"cco: cannot use the database: {error}", file=sys.stderr)
        return EXIT_CONFIG


def chosen_db_path(explicit: str | None) -> Path:
    return Path(explicit).expanduser() if explicit else default_db_path()


def default_log_file() -> Path:
    return Path(platformdirs.user_log_dir("cco")) / "cco.log"


def current_project(explicit: str | None) -> str:
    if explicit:
        return explicit
    from cco_tui.pipeline.attribution import project_for_directory

    return project_for_directory(str(Path.cwd()))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in REPORT_COMMANDS:
        return run_report(argv)
    if argv and argv[0] in PRICING_COMMANDS:
        return run_pricing(argv)
    if argv and argv[0] == "keys":
        return run_keys(argv)
    args = build_parser().parse_args(argv)
    try:
        args.port = args.port if args.port is not None else from_environment("CCO_PORT", port_number, 8000)
        args.log_level = args.log_level or from_environment("CCO_LOG_LEVEL", log_level, "info")
        config = load_config(args.config)
        refuse_remote_bind(args.host, args.allow_remote)
        args.tls = tls_files(args, config)
        refuse_plain_remote(args.host, args.tls, args.behind_tls_proxy or config.settings.behind_tls_proxy)
        refuse_open_remote(args.host, config)
    except ConfigError as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return serve(args, config)


def tls_files(args: argparse.Namespace, config: Config) -> TlsFiles | None:
    settings = config.settings
    files = choose_tls(
        (args.tls_cert, args.tls_key), (settings.tls_cert, settings.tls_key), str(config.sources[SETTINGS_FILE])
    )
    if files is not None:
        check_tls_files(files)
    return files


def refuse_plain_remote(host: str, tls: TlsFiles | None, behind_tls_proxy: bool) -> None:
    """Tokens and prompts must not cross a network in the clear: TLS here, or an ingress that terminates it."""
    if tls is None and not behind_tls_proxy and not is_loopback_address(host):
        raise ConfigError(
            "command line",
            "--host",
            f'{host} would serve plain HTTP to the network; give --tls-cert and --tls-key (or "tls" in'
            ' settings.json), or --behind-tls-proxy ("behind_tls_proxy": true) when an ingress terminates TLS',
        )


def refuse_remote_bind(host: str, allowed: bool) -> None:
    if not allowed and not is_loopback_address(host):
        raise ConfigError("command line", "--host", f"{host} is not a loopback address; pass --allow-remote to bind it")


def refuse_open_remote(host: str, config: Config) -> None:
    """Off loopback, anyone who can reach the port could spend cco's key: only cco access tokens may."""
    if not is_loopback_address(host) and config.settings.auth != "tokens":
        raise ConfigError(
            str(config.sources["settings.json"]),
            "auth",
            f'must be "tokens" to bind {host} (a non-loopback address); create tokens with `cco keys create`',
        )


def run_options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        host=args.host,
        port=args.port,
        db_path=chosen_db_path(args.db),
        project=current_project(args.project),
        log_level=args.log_level,
        log_file=None if args.headless else default_log_file(),
        tls=args.tls,
        ca_file=Path(args.ca).expanduser() if args.ca else None,
    )


def serve(args: argparse.Namespace, config: Config) -> int:
    try:
        return asyncio.run(launch(config, run_options(args), args.headless))
    except (PortInUse, SchemaError) as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (sqlite3.Error, peewee.DatabaseError, OSError) as error:
        print(f"cco: cannot open the database {args.db or 'in the user data directory'}: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
