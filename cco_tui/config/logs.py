"""Logging set-up for both modes.

Headless: records go to stderr. TUI: nothing may touch the terminal, so records go to a rotating file and to
an in-memory ring that the Terminal tab reads and subscribes to.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
RING_SIZE = 2000

LogListener = Callable[[str], None]


class MemoryLogHandler(logging.Handler):
    """Keeps the last lines and tells listeners about new ones (listeners must be thread-safe)."""

    def __init__(self, size: int = RING_SIZE) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=size)
        self._listeners: list[LogListener] = []
        self._listeners_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Never raises into the code that logged (the writer thread, a request): logging's usual contract."""
        try:
            line = self.format(record)
            self.lines.append(line)
            with self._listeners_lock:
                listeners = list(self._listeners)
            for listener in listeners:
                listener(line)
        except Exception:
            self.handleError(record)

    def subscribe(self, listener: LogListener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._listeners_lock:
            self._listeners.append(listener)
        return lambda: self._unsubscribe(listener)

    def _unsubscribe(self, listener: LogListener) -> None:
        with self._listeners_lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def tail(self, count: int) -> list[str]:
        return list(self.lines)[-count:] if count > 0 else []


# Libraries whose INFO lines would repeat once per proxied request (httpx logs every request it sends).
CHATTY_LOGGERS = ("httpx", "httpcore", "hpack")


def _reset_root(level: str) -> logging.Logger:
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level.upper())
    return root


def setup_headless_logging(level: str) -> MemoryLogHandler:
    root = _reset_root(level)
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(stderr)
    return _add_memory(root)


def setup_tui_logging(level: str, log_file: Path) -> MemoryLogHandler:
    """File plus memory only; called before the App starts so no handler can write over the screen."""
    root = _reset_root(level)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    rotating = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3)
    rotating.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(rotating)
    logging.captureWarnings(True)
    return _add_memory(root)


def _add_memory(root: logging.Logger) -> MemoryLogHandler:
    memory = MemoryLogHandler()
    memory.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
    root.addHandler(memory)
    return memory


def find_memory_handler() -> MemoryLogHandler:
    """The handler feeding the Terminal tab (set up by setup_tui_logging), or a fresh one when there is none."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, MemoryLogHandler):
            return handler
    return MemoryLogHandler()
