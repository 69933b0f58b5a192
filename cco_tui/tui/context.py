"""What the TUI needs to know about the running proxy; built by the runner, read by the screens."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from cco_tui.config.logs import MemoryLogHandler
from cco_tui.config.settings import Config
from cco_tui.store.target import DbTarget


@dataclass(frozen=True, slots=True)
class AppContext:
    base_url: str  # e.g. "http://127.0.0.1:8000": the TUI calls the proxy's /api/* over HTTP
    db_path: DbTarget
    project: str  # the current project (cwd's git root name or --project)
    config: Config
    log_handler: MemoryLogHandler
    log_file: Path | None
    viewer_mode: bool  # another cco already serves the port; we only show its database
    refresh_seconds: float = 5.0
    verify: ssl.SSLContext | bool = True  # how the dashboard checks an HTTPS cco's certificate
    web_url: str | None = None  # `cco --web`: where the same dashboard is served to browsers
    api_token: str | None = None  # what the dashboard sends to /api/* when the server wants tokens
