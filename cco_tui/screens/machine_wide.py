"""The Machine-Wide tab: totals over every project, per-project and per-model charts and tables, savings by
route."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from cco_tui.screens.current_project import show_line
from cco_tui.tui.view_models import (
    MODEL_COLUMNS,
    MODEL_RIGHT,
    PROJECT_COLUMNS,
    PROJECT_RIGHT,
    ROUTE_COLUMNS,
    ROUTE_RIGHT,
    Card,
    MachineView,
)
from cco_tui.widgets.bar_list import BarList
from cco_tui.widgets.chart import ChartPanel
from cco_tui.widgets.metric_card import MetricCard
from cco_tui.widgets.rows_table import RowsTable

CARD_IDS = ("cost", "saved", "calls", "tokens", "latency", "projects")


class MachineWidePane(VerticalScroll):
    """All projects on this machine (the whole database); `show()` applies one refresh."""

    def __init__(self, empty_text: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="dashboard")
        self.empty_text = empty_text

    def compose(self) -> ComposeResult:
        yield Label("All projects on this machine", classes="pane-title")
        yield Static("", id="machine-plan", classes="plan-line")
        yield Static("", id="machine-rules", classes="plan-line")
        yield Static(Content(self.empty_text), classes="empty-state")  # holds the address: not markup
        with Grid(classes="cards"):
            for key in CARD_IDS:
                yield MetricCard(Card(key.title(), "…"), id=f"machine-{key}")
        with Grid(classes="charts"):
            yield ChartPanel("grouped", id="project-chart")
            yield BarList(id="model-chart")
            yield BarList(id="usage-chart")
        yield Label("Active projects", classes="section-title")
        yield RowsTable(PROJECT_COLUMNS, right=PROJECT_RIGHT, id="projects-table")
        yield Label("Model performance", classes="section-title")
        yield RowsTable(MODEL_COLUMNS, right=MODEL_RIGHT, id="models-table")
        yield Label("Savings by route, last 7 days", classes="section-title")
        yield RowsTable(ROUTE_COLUMNS, right=ROUTE_RIGHT, id="routes-table")

    def show_rules(self, lines: list[str]) -> None:
        """Every budget and rate limit with its use (from the serving cco), one gauge a line."""
        show_line(self.query_one("#machine-rules", Static), "\n".join(lines))

    def show(self, view: MachineView) -> None:
        self.set_class(not view.has_data, "-empty")
        show_line(self.query_one("#machine-plan", Static), "\n".join(view.plan))
        for key, card in zip(CARD_IDS, view.cards, strict=True):
            self.query_one(f"#machine-{key}", MetricCard).show(card)
        self.query_one("#project-chart", ChartPanel).show(view.project_chart)
        self.query_one("#model-chart", BarList).show(view.model_chart)
        self.query_one("#usage-chart", BarList).show(view.usage_chart)
        self.query_one("#projects-table", RowsTable).show(view.projects)
        self.query_one("#models-table", RowsTable).show(view.models)
        self.query_one("#routes-table", RowsTable).show(view.routes)
