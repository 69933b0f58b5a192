"""One Claude Code session in detail: its main loop, each subagent and its side calls, with calls and cost."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label

from cco_tui.store.session_list import SessionPart
from cco_tui.tui import formatting as fmt
from cco_tui.widgets.rows_table import RowsTable

DETAIL_COLUMNS = ("calls by", "model", "calls", "cost")


class SessionDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, session_id: str, parts: list[SessionPart]) -> None:
        super().__init__(classes="dialog-screen")
        self.session_id = session_id
        self.parts = parts

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label(f"Session {fmt.printable(self.session_id)}", classes="pane-title")
            yield RowsTable(DETAIL_COLUMNS, right=("calls", "cost"), id="session-parts")
            yield Label("Esc closes", classes="dialog-hint")

    def on_mount(self) -> None:
        rows = tuple(
            (
                fmt.shorten(fmt.printable(part.kind), 30),
                fmt.shorten(fmt.printable(part.model), 28),
                fmt.count(part.calls),
                fmt.usd(part.cost_usd) + (f" + {part.unpriced} unpriced" if part.unpriced else ""),
            )
            for part in self.parts
        )
        self.query_one("#session-parts", RowsTable).show(rows)

    def action_close(self) -> None:
        self.dismiss(None)
