"""The Terminal tab: a command line with history and completion above a scrolling output log.

The pane is the `CommandHost` that commands.py talks to; the log handler feeds it from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import ClassVar, Protocol, TypeVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RichLog

from cco_tui.tui.context import AppContext
from cco_tui.tui.formatting import printable
from cco_tui.tui.proxy_client import ProxyClient
from cco_tui.tui.terminal import commands

T = TypeVar("T")


class AppServices(Protocol):
    """What the Terminal pane uses of the running CcoApp."""

    context: AppContext
    proxy: ProxyClient

    def now(self) -> float: ...

    async def clear_cache(self) -> tuple[bool, str]: ...

    async def in_thread(self, call: Callable[[], T]) -> T: ...


HISTORY_LIMIT = 500
PROMPT = "cco> "


class CommandInput(Input):
    """An Input with shell-like history (↑/↓) and Tab completion."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
        Binding("tab", "complete", "Complete", show=False),
        Binding("escape", "leave", "leave command line"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="type a command; 'help' lists them, Tab completes", id=id)
        self.history: list[str] = []
        self._position = 0
        self.projects: list[str] = []

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history = [*self.history, line][-HISTORY_LIMIT:]
        self._position = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._position = min(max(self._position + step, 0), len(self.history))
        self.value = self.history[self._position] if self._position < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        candidates = commands.complete(self.value, self.projects)
        if len(candidates) == 1:
            self.value = candidates[0] + " "
        elif candidates:
            shared = commands.common_prefix(candidates)
            # Quoting can make the shared start shorter than what was typed (stats my → stats 'my…, stats my-…).
            self.value = shared if len(shared) > len(self.value) else self.value
            self.post_message(self.Candidates(candidates))
        self.cursor_position = len(self.value)

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    class Candidates(Message):
        """Several completions fit: show them."""

        def __init__(self, candidates: list[str]) -> None:
            super().__init__()
            self.candidates = candidates


class TerminalPane(Vertical):
    """Output log plus command line; runs each command in a worker so dialogs can wait for an answer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._following = True  # log lines show here from the start (as the README says); `logs off` stops
        self._unsubscribe: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def compose(self) -> ComposeResult:
        yield RichLog(id="terminal-output", wrap=True, max_lines=5000, auto_scroll=True, min_width=20)
        yield CommandInput(id="command-input")

    @property
    def output(self) -> RichLog:
        return self.query_one("#terminal-output", RichLog)

    @property
    def command_input(self) -> CommandInput:
        return self.query_one("#command-input", CommandInput)

    @property
    def cco_app(self) -> AppServices:
        """The app, seen through what this pane needs of it (the app imports this module, not the reverse)."""
        return cast(AppServices, self.app)

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.context.log_handler.subscribe(self._log_line_from_any_thread)
        self.write(Text(f"cco terminal: type 'help' for commands. Proxy: {self.context.base_url}", style="dim"))

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        self.command_input.value = ""
        self.command_input.remember(line)
        if line:
            self.write(Text(PROMPT + printable(line), style="bold"))
            self.run_worker(commands.run(line, self), group="command", exit_on_error=False)

    @on(CommandInput.Candidates)
    def _candidates(self, event: CommandInput.Candidates) -> None:
        event.stop()
        self.write(Text(printable("  ".join(event.candidates)), style="dim"))

    def revealed(self) -> None:
        """The Terminal tab was just shown.

        RichLog holds every write until a Resize event tells it its width. Textual sends none when the tab
        is first shown after the dashboard scrolled (the compositor's map already has the log's size), so
        the output stayed blank until the window was resized. Tell it, once laid out.
        """
        self.call_after_refresh(self._announce_output_size)

    def _announce_output_size(self) -> None:
        log = self.output
        if log.size.width:
            log.post_message(events.Resize(log.size, log.virtual_size, log.container_size))

    def run_line(self, line: str) -> None:
        """Run a command as if typed (used by the command palette)."""
        self.command_input.post_message(Input.Submitted(self.command_input, line))

    # --- CommandHost ----------------------------------------------------------------------------------

    @property
    def context(self) -> AppContext:
        return self.cco_app.context

    @property
    def proxy(self) -> ProxyClient:
        return self.cco_app.proxy

    def now(self) -> float:
        return self.cco_app.now()

    def write(self, output: RenderableType) -> None:
        self.output.write(output)

    async def clear_cache(self) -> tuple[bool, str]:
        return await self.cco_app.clear_cache()

    async def in_thread(self, call: Callable[[], T]) -> T:
        return await self.cco_app.in_thread(call)

    def follow_logs(self, follow: bool) -> None:
        self._following = follow

    def clear_output(self) -> None:
        self.output.clear()

    # --- live log ------------------------------------------------------------------------------------

    def _log_line_from_any_thread(self, line: str) -> None:
        """Called by the log handler on whatever thread logged; hop to the UI loop."""
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: the line is in the log file anyway
            self._loop.call_soon_threadsafe(self._log_line, line)

    def _log_line(self, line: str) -> None:
        if self._following and self.is_mounted:
            self.write(Text(printable(line, lines=True)))
