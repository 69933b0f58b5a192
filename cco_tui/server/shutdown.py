"""Ending unfinished /v1/* requests cleanly when cco stops.

On SIGTERM Hypercorn stops accepting and gives open requests its graceful timeout; whatever is still running
after that would be cancelled mid-await (an empty 500, a stream cut without an `error` event, a traceback, no
row). So cco ends them itself first, `shutdown_timeout_s` after the stop was asked for: a request still
waiting for its answer gets a 503 in Anthropic's shape, a stream already under way gets an SSE `error` event,
and each is recorded as interrupted. Hypercorn's own timeout is set a little longer, so it finds nothing left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal

from cco_tui.wire.errors import ProxyError

SHUTDOWN_STATUS = 503
SHUTDOWN_ERROR_TYPE = "shutdown"  # in the row; the client sees an api_error (Claude Code retries those)
Phase = Literal["waiting", "sending", "streaming"]


def shutdown_error() -> ProxyError:
    return ProxyError(SHUTDOWN_STATUS, "cco is shutting down; retry the request", "api_error")


class Unfinished:
    """One /v1/* request in progress; `interrupt()` cancels its task where that is safe to recover from."""

    __slots__ = ("interrupted", "on_interrupt", "phase", "task")

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.phase: Phase = "waiting"
        self.interrupted = False
        self.on_interrupt: Callable[[], None] | None = None  # e.g. mark the stream's row before it is written

    def interrupt(self) -> None:
        self.interrupted = True
        if self.phase == "sending" or self.task is None:  # never cut a whole-body send in half
            return
        if self.on_interrupt is not None:
            self.on_interrupt()
        self.task.cancel()

    def recover(self) -> bool:
        """After a CancelledError: True (and the cancellation undone) when it was this interruption."""
        if not self.interrupted or self.task is None:
            return False
        self.task.uncancel()
        return True


class Requests:
    """The unfinished requests of one server."""

    def __init__(self) -> None:
        self._open: set[Unfinished] = set()
        self.stopping = False

    def enter(self) -> Unfinished:
        request = Unfinished()
        self._open.add(request)
        return request

    def leave(self, request: Unfinished) -> None:
        self._open.discard(request)

    def interrupt_all(self) -> int:
        """End every unfinished request (see the module docstring); returns how many there were."""
        self.stopping = True
        requests = list(self._open)
        for request in requests:
            request.interrupt()
        return len(requests)

    def __len__(self) -> int:
        return len(self._open)
