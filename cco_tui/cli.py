"""The `cco` command. The only module (with the report commands) allowed to print.

Imports stay lazy: `cco statusline` runs on every Claude Code turn, Python's start included in its budget, so
main() dispatches the subcommands before anything is imported but os and sys (not even argparse or typing).
"""

from __future__ import annotations

import os
import sys

from cco_tui import __version__
from cco_tui.config.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing, argparse or pathlib slows `cco statusline`
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any, TypeVar

    from cco_tui.config.settings import Config
    from cco_tui.config.tls import TlsFiles
    from cco_tui.runner import RunOptions
    from cco_tui.store.target import DbTarget

    T = TypeVar("T")

EXIT_CONFIG = 2
LOG_LEVELS = ("debug", "info", "warning", "error")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def port_number(text: str) -> int:
    import argparse

    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def log_level(text: str) -> str:
    import argparse

    if text.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.lower()


def from_environment(name: str, parse: Callable[[str], T], default: T) -> T:
    """Environment defaults are checked like flags, but a bad one is reported as configuration (exit 2)."""
    import argparse

    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except argparse.ArgumentTypeError as error:
        raise ConfigError("environment", name, str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from cco_tui.tui.web_options import add_web_arguments

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
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        default=os.environ.get("CCO_DB"),
        help="SQLite file (or sqlite:///path), or postgresql://user:pass@host:port/db [CCO_DB]",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("CCO_REDIS_URL"),
        help="redis://host:port/db shared by replicas: cache tier, limits, budgets (over redis_url) [CCO_REDIS_URL]",
    )
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
    add_web_arguments(parser, port_number)
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
CLAUDE_CODE_COMMANDS = ("setup", "doctor", "sessions")
ROUTES_COMMANDS = ("routes",)
EPILOG = (
    "reports: `cco stats --help`, `cco export --help`, `cco sessions --help`; prices: `cco pricing check`,"
    " `cco reprice --help` (they read the database; no server needed). Claude Code: `cco setup claude`,"
    " `cco doctor`, `cco statusline` (for its statusLine setting); routing presets: `cco routes preset ccr`;"
    " access tokens: `cco keys --help`"
)


def run_claude_code_command(argv: list[str]) -> int:
    """`cco setup claude` / `cco doctor` / `cco sessions`, imported only when asked for."""
    from cco_tui.commands.claude_code import main as claude_code_main

    return claude_code_main(argv)


def run_report(argv: list[str]) -> int:
    """`cco stats` / `cco export`: imported only when asked for, so starting the proxy stays lean."""
    from cco_tui.commands.reports import OneLineParser, add_report_commands

    parser = OneLineParser(prog="cco")
    add_report_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
    except BrokenPipeError:
        return quiet_broken_pipe()
    return code


def quiet_broken_pipe() -> int:
    """`cco stats | head -1`: the reader left, which is what the user asked for, not an error. Point stdout at
    /dev/null so the interpreter's final flush does not raise (and print) the same error again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def run_routes(argv: list[str]) -> int:
    """`cco routes preset …`: imported only when asked for."""
    from cco_tui.commands.routes import add_routes_commands

    return run_subcommands(argv, add_routes_commands)


def run_pricing(argv: list[str]) -> int:
    """`cco pricing check` / `cco reprice`: imported only when asked for."""
    from cco_tui.commands.pricing import add_pricing_commands

    return run_subcommands(argv, add_pricing_commands)


def run_subcommands(argv: list[str], add_commands: Callable[[Any], None]) -> int:
    """Parse `argv` with the subcommands `add_commands` registers, and run the chosen one."""
    import argparse

    parser = argparse.ArgumentParser(prog="cco")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def run_keys(argv: list[str]) -> int:
    """`cco keys …`: access tokens, imported only when asked for."""
    import argparse
    import sqlite3

    import peewee

    from cco_tui.commands.keys import add_keys_command
    from cco_tui.store.migrations import SchemaError

    parser = argparse.ArgumentParser(prog="cco")
    add_keys_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (sqlite3.Error, peewee.DatabaseError, OSError, SchemaError) as error:
        print(f"cco: cannot use the database: {error}", file=sys.stderr)
        return EXIT_CONFIG


def chosen_db(explicit: str | None) -> DbTarget:
    """--db (or CCO_DB, its default), else the SQLite file in the user data directory."""
    from cco_tui.store.target import DbUrlError, db_target, default_db_target

    try:
        return db_target(explicit) if explicit else default_db_target()
    except DbUrlError as error:
        raise ConfigError("command line", "--db", str(error)) from None


def default_log_file() -> Path:
    from pathlib import Path

    import platformdirs

    return Path(platformdirs.user_log_dir("cco")) / "cco.log"


def current_project(explicit: str | None) -> str:
    if explicit:
        return explicit
    from cco_tui.pipeline.attribution import project_for_directory

    return project_for_directory(os.getcwd())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["statusline"]:
        from cco_tui.commands.statusline import main as statusline

        return statusline(argv[1:])
    if argv and argv[0] in REPORT_COMMANDS:
        return run_report(argv)
    if argv and argv[0] in PRICING_COMMANDS:
        return run_pricing(argv)
    if argv and argv[0] == "keys":
        return run_keys(argv)
    if argv and argv[0] in CLAUDE_CODE_COMMANDS:
        return run_claude_code_command(argv)
    if argv and argv[0] in ROUTES_COMMANDS:
        return run_routes(argv)
    args = build_parser().parse_args(argv)
    try:
        from cco_tui.config.settings import load_config
        from cco_tui.tui.web_options import DEFAULT_WEB_PORT, web_options

        args.port = args.port if args.port is not None else from_environment("CCO_PORT", port_number, 8000)
        args.log_level = args.log_level or from_environment("CCO_LOG_LEVEL", log_level, "info")
        config = with_redis(load_config(args.config), args.redis)
        refuse_remote_bind(args.host, args.allow_remote or args.viewer)  # a viewer binds nothing
        args.tls = tls_files(args, config)
        behind_tls_proxy = args.behind_tls_proxy or config.settings.behind_tls_proxy
        refuse_plain_remote(args.host, args.tls, behind_tls_proxy or args.viewer)
        refuse_anonymous_remote(args.host, config, args.viewer)
        args.web_options = web_options(args, lambda: from_environment("CCO_WEB_PORT", port_number, DEFAULT_WEB_PORT))
        args.db = chosen_db(args.db)
    except ConfigError as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return serve(args, config)


def with_redis(config: Config, url: str | None) -> Config:
    """--redis / CCO_REDIS_URL over settings.json's redis_url; a URL needs the optional redis-py."""
    import dataclasses
    import importlib.util

    from cco_tui.config.settings import checked_redis_url

    if url:
        url = checked_redis_url(url, lambda key, problem: ConfigError("command line", "--redis", problem))
        config = dataclasses.replace(config, settings=dataclasses.replace(config.settings, redis_url=url))
    if config.settings.redis_url and importlib.util.find_spec("redis") is None:
        file, key = ("command line", "--redis") if url else (str(config.sources["settings.json"]), "redis_url")
        raise ConfigError(file, key, "needs redis-py: pip install 'cco-tui[redis]'")
    return config


def tls_files(args: argparse.Namespace, config: Config) -> TlsFiles | None:
    from cco_tui.config.settings import SETTINGS_FILE
    from cco_tui.config.tls import check_tls_files, choose_tls

    settings = config.settings
    files = choose_tls(
        (args.tls_cert, args.tls_key), (settings.tls_cert, settings.tls_key), str(config.sources[SETTINGS_FILE])
    )
    if files is not None:
        check_tls_files(files)
    return files


def refuse_plain_remote(host: str, tls: TlsFiles | None, behind_tls_proxy: bool) -> None:
    """Tokens and prompts must not cross a network in the clear: TLS here, or an ingress that terminates it."""
    from cco_tui.config.network import is_loopback_address

    if tls is None and not behind_tls_proxy and not is_loopback_address(host):
        raise ConfigError(
            "command line",
            "--host",
            f'{host} would serve plain HTTP to the network; give --tls-cert and --tls-key (or "tls" in'
            ' settings.json), or --behind-tls-proxy ("behind_tls_proxy": true) when an ingress terminates TLS',
        )


def refuse_remote_bind(host: str, allowed: bool) -> None:
    from cco_tui.config.network import is_loopback_address

    if not allowed and not is_loopback_address(host):
        raise ConfigError("command line", "--host", f"{host} is not a loopback address; pass --allow-remote to bind it")


def refuse_anonymous_remote(host: str, config: Config, viewer: bool) -> None:
    """Off loopback, anyone who can reach the port could spend cco's key: only cco access tokens may."""
    from cco_tui.config.network import is_loopback_address

    if not viewer and not is_loopback_address(host) and config.settings.auth != "tokens":
        raise ConfigError(
            str(config.sources["settings.json"]),
            "auth",
            f'must be "tokens" to bind {host} (a non-loopback address); create tokens with `cco keys create`',
        )


def run_options(args: argparse.Namespace) -> RunOptions:
    from pathlib import Path

    from cco_tui.runner import RunOptions

    return RunOptions(
        host=args.host,
        port=args.port,
        db_path=args.db,
        project=current_project(args.project),
        log_level=args.log_level,
        log_file=None if args.headless and not args.viewer else default_log_file(),
        tls=args.tls,
        ca_file=Path(args.ca).expanduser() if args.ca else None,
        web=args.web_options,
        viewer=args.viewer,
    )


def serve(args: argparse.Namespace, config: Config) -> int:
    import asyncio
    import sqlite3

    import peewee

    from cco_tui.runner import PortInUse, launch
    from cco_tui.store.connect import StoreUnavailable
    from cco_tui.store.migrations import SchemaError

    try:
        return asyncio.run(launch(config, run_options(args), args.headless))
    except (PortInUse, SchemaError, StoreUnavailable) as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (sqlite3.Error, peewee.DatabaseError, OSError) as error:
        print(f"cco: cannot open the database {args.db}: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
