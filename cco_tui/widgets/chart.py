"""A plotext chart that draws a `Chart` (bars, stacked bars, grouped bars or lines), with its legend below.

Series are built in worker threads; drawing happens here, on the UI thread, when new data arrives.
"""

from __future__ import annotations

from typing import Any, Literal

from plotext import _utility as plotext_utility
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from cco_tui.tui.formatting import printable, shorten
from cco_tui.tui.view_models import Chart

ChartKind = Literal["bar", "stacked", "grouped", "line"]
# Fixed colours per series position keep charts recognisable across refreshes and themes.
SERIES_COLORS = ("cyan+", "orange+", "magenta+", "green+", "blue+")
# The same colours as Rich styles for the legend: plotext's "+" colours are the bright ANSI colours 8-15.
LEGEND_STYLES = ("color(14)", "color(11)", "color(13)", "color(10)", "color(12)")
MIN_LINE_POINTS = 2  # fewer points than this draw as bars: a line of one point is a lone dot


def _unique_in_order(data: Any) -> list[Any]:
    return list(dict.fromkeys(data))


# plotext removes duplicate ticks and points through a set, so where labels crowd, which one wins depended
# on the process's string-hash seed: the same data drew differently from run to run. Keep the first instead.
plotext_utility.no_duplicates = _unique_in_order


class ChartPanel(Vertical):
    """One chart and its legend; `show()` replaces the data.

    The legend sits under the plot rather than inside it: plotext draws its own legend over the data.
    """

    DEFAULT_CSS = """
    ChartPanel {
        background: $surface;
    }
    ChartPanel > .chart-legend {
        width: 1fr;
        height: auto;
        text-align: center;
        display: none;
    }
    ChartPanel.-legend > .chart-legend {
        display: block;
    }
    """

    def __init__(self, kind: ChartKind, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.chart: Chart | None = None

    def compose(self) -> ComposeResult:
        yield ChartPlot(self.kind, id=f"{self.id}-plot" if self.id else None)
        yield Static(classes="chart-legend")

    def show(self, chart: Chart) -> None:
        if chart == self.chart:  # most refreshes bring nothing new: skip the redraw
            return
        self.chart = chart
        self.query_one(ChartPlot).show(chart)
        # The note also shows without data: "all requests unpriced" must say why the box is empty.
        legend = legend_text(chart) if chart.has_data else Text(chart.note, style="dim")
        self.query_one(".chart-legend", Static).update(legend)
        self.set_class(bool(legend), "-legend")


def legend_text(chart: Chart) -> Text:
    """One coloured swatch per series, then the chart's note; empty when there is nothing to explain."""
    text = Text()
    for name, style in zip(chart.legend, LEGEND_STYLES, strict=False):
        text.append("  " if text else "")
        text.append("██", style=style)
        text.append(f" {name}")
    if chart.note:
        text.append("  " if text else "")
        text.append(chart.note, style="dim")
    return text


class ChartPlot(PlotextPlot):
    """The plot itself. Every render redraws from scratch at the current size, so the picture depends only
    on the data and the size (plotext keeps state between builds otherwise)."""

    def __init__(self, kind: ChartKind, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.chart: Chart | None = None

    def show(self, chart: Chart) -> None:
        self.chart = chart
        self.refresh()

    def render(self) -> RenderResult:
        plt = self.plt
        plt.clear_figure()
        if self.chart is not None:
            plt.title(self.chart.title)
            if self.chart.has_data:
                self._draw(self.chart)
        return super().render()

    def _draw(self, chart: Chart) -> None:
        positions = list(range(1, len(chart.labels) + 1))
        names = list(chart.series)
        values = [list(chart.series[name]) for name in names]
        colors = list(SERIES_COLORS[: len(names)])
        self._draw_kind(positions, values, colors)
        self.plt.yticks(*chart.value_ticks())
        if chart.labels:
            self._fit_x_labels(chart)

    def _fit_x_labels(self, chart: Chart) -> None:
        """As many x labels as fit the current width, shortened where they would still overlap.

        Control characters in labels (project names) are spelled out: plotext's output is read back as ANSI.
        """
        labels = [printable(label) for label in chart.labels]
        usable = max(self.size.width - y_axis_width(chart), 10)
        longest = max(len(label) for label in labels)
        ticks = chart.tick_positions(max(usable // (longest + 3), 2))
        rooms = label_rooms([len(labels[i]) for i in ticks], usable // len(ticks))
        self.plt.xticks(
            [i + 1 for i in ticks], [shorten(labels[i], room) for i, room in zip(ticks, rooms, strict=True)]
        )

    def _draw_kind(self, x: list[int], values: list[list[float | None]], colors: list[str]) -> None:
        plt = self.plt
        untyped: Any = plt  # plotext's stub lacks the colour-list parameters these accept
        if self.kind == "stacked":
            untyped.stacked_bar(x, values, color=colors, width=0.8)
        elif self.kind == "grouped":
            untyped.multiple_bar(x, values, color=colors, width=0.8)
        elif self.kind == "line" and all(points(series) >= MIN_LINE_POINTS for series in values):
            for series, color in zip(values, colors, strict=True):
                plt.plot(x, series, color=color, marker="braille")
        else:  # bars, also for a line with too few points: one hour of requests drew a single dot
            plt.bar(x, [value or 0.0 for value in values[0]], color=colors[0], width=0.8)


def points(series: list[float | None]) -> int:
    return sum(1 for value in series if value is not None)


def y_axis_width(chart: Chart) -> int:
    """Columns left of the plot: the longest value label, its tick mark and the margin plotext keeps."""
    return max((len(label) for label in chart.value_ticks()[1]), default=1) + 3


def label_rooms(lengths: list[int], spacing: int) -> list[int]:
    """How wide each centred x label may be: its share of the axis, plus what both neighbours leave unused
    (a label takes as much from each side). At an even split, `default` was cut to `defa…` next to `cco`."""
    base = max(spacing - 1, 3)
    spare = [max(base - length, 0) for length in lengths]
    rooms = []
    for index in range(len(lengths)):
        left = spare[index - 1] if index > 0 else base
        right = spare[index + 1] if index + 1 < len(lengths) else base
        rooms.append(base + min(left, right))
    return rooms
