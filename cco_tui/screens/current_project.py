"""The Current Project tab: cards, three charts and the recent-activity table for one project."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from cco_tui.tui.formatting import printable
from cco_tui.tui.sessions_view import SESSION_COLUMNS, SESSION_RIGHT
from cco_tui.tui.view_models import RECENT_COLUMNS, RECENT_RIGHT, Card, CurrentView
from cco_tui.widgets.chart import ChartPanel
from cco_tui.widgets.metric_card import MetricCard
from cco_tui.widgets.rows_table import RowsTable

CARD_IDS = ("cost", "tokens", "calls", "saved", "latency", "burn")


class CurrentProjectPane(VerticalScroll):
    """Everything about the project cco was started for; `show()` applies one refresh."""

    def __init__(self, project: str, empty_text: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="dashboard")
        self.project = project
        self.empty_text = empty_text
        self.session_ids: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label(title_text(self.project, ""), id="current-title", classes="pane-title")
        yield Static("", id="plan-meters", classes="plan-line")
        yield Static("", id="plan-block", classes="plan-line")
        yield Static("", id="rule-gauges", classes="plan-line")
        yield Static(Content(self.empty_text), classes="empty-state")  # holds the address: not markup
        with Grid(classes="cards"):
            for key in CARD_IDS:
                yield MetricCard(Card(key.title(), "…"), id=f"card-{key}")
        with Grid(classes="charts"):
            yield ChartPanel("bar", id="cost-chart")
            yield ChartPanel("stacked", id="tokens-chart")
            yield ChartPanel("line", id="latency-chart")
        yield Label("Recent activity", classes="section-title")
        yield RowsTable(RECENT_COLUMNS, right=RECENT_RIGHT, id="recent-table")
        sessions = (
            Label("Claude Code sessions, last 7 days", classes="section-title", id="sessions-title"),
            RowsTable(SESSION_COLUMNS, right=SESSION_RIGHT, id="sessions-table"),
        )
        for widget in sessions:
            widget.display = False  # until a refresh finds sessions
            yield widget

    def show(self, view: CurrentView, range_hint: str) -> None:
        self.set_class(not view.has_data, "-empty")
        self.query_one("#current-title", Label).update(title_text(view.project, range_hint))
        show_line(self.query_one("#plan-meters", Static), "\n".join(view.plan))
        show_line(self.query_one("#plan-block", Static), view.block)
        for key, card in zip(CARD_IDS, view.cards, strict=True):
            self.query_one(f"#card-{key}", MetricCard).show(card)
        self.query_one("#cost-chart", ChartPanel).show(view.cost_chart)
        self.query_one("#tokens-chart", ChartPanel).show(view.tokens_chart)
        self.query_one("#latency-chart", ChartPanel).show(view.latency_chart)
        self.query_one("#recent-table", RowsTable).show(view.recent)

    def show_sessions(self, rows: tuple[tuple[str, ...], ...], ids: tuple[str, ...]) -> None:
        """The project's Claude Code sessions; no section at all for clients that send no session id."""
        self.session_ids = ids
        for widget_id in ("#sessions-title", "#sessions-table"):
            self.query_one(widget_id).display = bool(rows)
        if rows:
            self.query_one("#sessions-table", RowsTable).show(rows)

    @on(DataTable.RowSelected, "#sessions-table")
    def _open_session(self, event: DataTable.RowSelected) -> None:
        """Enter on a session: its subagents and side calls."""
        if 0 <= event.cursor_row < len(self.session_ids):
            self.post_message(self.SessionChosen(self.session_ids[event.cursor_row]))

    class SessionChosen(Message):
        """The user asked for one session's detail."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def show_rules(self, lines: list[str]) -> None:
        """This project's budgets and rate limits (from the serving cco), one gauge a line."""
        show_line(self.query_one("#rule-gauges", Static), "\n".join(lines))


def show_line(widget: Static, text: str) -> None:
    """Plan lines take no room until an upstream has sent plan or rate-limit headers."""
    widget.display = bool(text)
    widget.update(Content(text))  # names and numbers, never markup


def title_text(project: str, hint: str) -> Text:
    return Text.assemble("Project ", (printable(project), "bold"), "   ", (hint, "dim"))
