"""Keys and Terminal commands in one dialog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cco_tui.tui.terminal.commands import COMMANDS

KEYS = (
    ("1 / 2 / 3", "Current Project, Machine-Wide, Terminal"),
    ("r", "refresh now (it also refreshes on its own)"),
    ("t", "cost chart: hours of today / days of the last 30"),
    ("c", "clear the response cache (asks first)"),
    ("e", "export every request to CSV or JSON"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit (stops the proxy this cco serves)"),
    ("esc", "leave the Terminal's command line"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, base_url: str) -> None:
        super().__init__(classes="dialog-screen")
        self.base_url = base_url

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label(Text.assemble(("cco", "bold"), f" proxies Claude Code at {self.base_url}"))
            yield Static(_table("Keys", KEYS))
            yield Static(_table("Terminal commands", [(c.usage, c.summary) for c in COMMANDS.values()]))
            yield Label("Esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


def _table(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.title = title
    table.title_justify = "left"
    table.title_style = "bold"
    for key, text in rows:
        table.add_row(Text(key, style="bold"), Text(text))
    return table
