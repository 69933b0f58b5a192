"""The TUI side of the runner: builds the AppContext and runs the Textual app on the current loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from cco_tui.app import CcoApp
from cco_tui.context import AppContext
from cco_tui.logs import MemoryLogHandler
from cco_tui.settings import Config

if TYPE_CHECKING:
    from cco_tui.runner import RunOptions


def find_memory_handler() -> MemoryLogHandler:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, MemoryLogHandler):
            return handler
    return MemoryLogHandler()


async def run_app(config: Config, options: RunOptions, viewer: bool) -> None:
    from cco_tui.runner import base_url

    context = AppContext(
        base_url=base_url(options),
        db_path=options.db_path,
        project=options.project,
        config=config,
        log_handler=find_memory_handler(),
        log_file=options.log_file,
        viewer_mode=viewer,
        refresh_seconds=config.settings.refresh_seconds,
    )
    app = CcoApp(context)
    # Textual turns Ctrl+C into a key; SIGTERM and SIGHUP (terminal closed) must still restore the terminal and
    # flush the analytics queue, so they exit the app cleanly.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        asyncio.get_running_loop().add_signal_handler(signum, app.exit)
    await app.run_async()
