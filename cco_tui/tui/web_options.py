"""The `--web` flags: parsed and checked here, without importing the web server (cco starts lean without it)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cco_tui.config.errors import ConfigError
from cco_tui.config.network import is_loopback_address
from cco_tui.config.tls import TlsFiles
from cco_tui.store.target import DbTarget

DEFAULT_WEB_PORT = 8001


@dataclass(frozen=True, slots=True)
class WebOptions:
    host: str
    port: int
    open_browser: bool  # --open: the default browser shows the page once it is served

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


@dataclass(frozen=True, slots=True)
class ViewerArgs:
    """What a browser tab's dashboard process needs to show the serving cco (its `cco --viewer` flags)."""

    host: str
    port: int
    db: DbTarget  # a server database's URL reaches the tab's process through CCO_DB, never its argv
    project: str
    log_level: str
    log_file: Path | None  # the serving cco's log file; None when it is headless (logs on stderr)
    config_dir: Path | None
    tls: TlsFiles | None = None  # the serving cco's HTTPS: the viewer then speaks https and trusts its certificate
    ca_file: Path | None = None


def add_web_arguments(parser: argparse.ArgumentParser, port_type: Callable[[str], int]) -> None:
    group = parser.add_argument_group("dashboard in a browser")
    group.add_argument("--web", action="store_true", help="also serve the dashboard as a web page [CCO_WEB=1]")
    group.add_argument("--web-port", type=port_type, default=None, help=f"[CCO_WEB_PORT, default {DEFAULT_WEB_PORT}]")
    group.add_argument(
        "--web-host", default=os.environ.get("CCO_WEB_HOST", "127.0.0.1"), help="loopback only [CCO_WEB_HOST]"
    )
    group.add_argument("--open", action="store_true", help="open the web dashboard in the default browser")
    # A browser tab's own dashboard process, started by `cco --web`: shows the serving cco, never serves.
    group.add_argument("--viewer", action="store_true", help=argparse.SUPPRESS)


def web_options(args: argparse.Namespace, environment_port: Callable[[], int]) -> WebOptions | None:
    """None unless asked for: --web, CCO_WEB=1, or a flag that only makes sense with it (--open, --web-port)."""
    wanted = args.web or args.open or args.web_port is not None or env_flag("CCO_WEB")
    if not wanted or args.viewer:
        return None
    if not is_loopback_address(args.web_host):
        # The page can clear the cache and read every project's spending: until admin tokens exist it stays local.
        raise ConfigError("command line", "--web-host", f"{args.web_host} is not a loopback address; refused")
    port = args.web_port if args.web_port is not None else environment_port()
    return WebOptions(host=args.web_host, port=port, open_browser=args.open)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
