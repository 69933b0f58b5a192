"""A ranked list of horizontal bars (label, bar, value): readable model names where a plot has no room."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from cco_tui.tui.formatting import printable
from cco_tui.tui.view_models import Chart

BAR_COLOR = "cyan"


class BarList(Widget):
    """Draws the first series of a `Chart`: one row per label, bars scaled to the largest value."""

    DEFAULT_CSS = """
    BarList {
        height: 1fr;
        padding: 0 1;
        background: $surface;
    }
    """

    chart: Chart | None = None

    def show(self, chart: Chart) -> None:
        if chart != self.chart:
            self.chart = chart
            self.refresh()

    def render(self) -> RenderResult:
        if self.chart is None:
            return ""
        return render_bars(self.chart, max(self.content_size.width, 20))


def render_bars(chart: Chart, width: int) -> Table:
    """Labels and values are drawn as plain text: model names are not markup."""
    values = [value or 0.0 for value in next(iter(chart.series.values()), [])]
    shown = [chart.value_label(index, value) for index, value in enumerate(values)]
    labels = [printable(label) for label in chart.labels]
    label_width = min(max((len(label) for label in labels), default=0), width // 2)
    value_width = max((len(text) for text in shown), default=1)
    bar_width = max(width - label_width - value_width - 4, 4)
    table = Table.grid(padding=(0, 1), expand=True)
    table.title = Text(chart.title)
    table.title_style = "none"
    table.add_column(no_wrap=True, overflow="ellipsis", max_width=label_width)
    table.add_column(no_wrap=True, ratio=1)
    table.add_column(justify="right", no_wrap=True)
    top = max(values, default=0.0) or 1.0
    for label, value, text in zip(labels, values, shown, strict=True):
        table.add_row(Text(label), _bar(value / top, bar_width), Text(text))
    return table


def _bar(fraction: float, width: int) -> Text:
    eighths = round(max(fraction, 0.0) * width * 8)
    full, rest = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[rest].strip()
    return Text("█" * full + partial, style=BAR_COLOR)
