"""What the dashboard widgets show, as plain immutable data: cards, chart series, table rows, columns.

No UI imports: screens and widgets take these; dashboard_data.py builds them from query results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cco_tui.tui import formatting as fmt

Unit = Literal["usd", "count", "ms", "percent"]


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    value: str
    details: tuple[str, ...] = ()
    note: str = ""  # shown in the card's bottom border


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    labels: tuple[str, ...]
    series: Mapping[str, Sequence[float | None]]
    unit: Unit = "count"
    stacked: bool = False
    categorical: bool = False  # every label matters (projects); otherwise labels are a time axis
    max_ticks: int = 6
    value_labels: tuple[str, ...] = ()  # how to print each value of the first series, when not by `unit`
    note: str = ""  # a caveat shown with the legend, e.g. requests the bars leave out

    @property
    def legend(self) -> tuple[str, ...]:
        """Series names worth a legend: only when there is more than one series."""
        return tuple(self.series) if len(self.series) > 1 else ()

    def value_label(self, index: int, value: float) -> str:
        return self.value_labels[index] if index < len(self.value_labels) else axis_label(value, self.unit)

    @property
    def has_data(self) -> bool:
        return any(value for values in self.series.values() for value in values)

    def tick_positions(self, limit: int | None = None) -> list[int]:
        """Indexes of at most `limit` labels to print under the x axis, evenly spaced from the first."""
        count = len(self.labels)
        if self.categorical:
            return list(range(count))
        wanted = min(limit or self.max_ticks, self.max_ticks)
        step = max(-(-count // wanted), 1)
        return list(range(0, count, step))

    def value_ticks(self, count: int = 4) -> tuple[list[float], list[str]]:
        """Evenly spaced value-axis ticks from 0 (or the lowest point) to the top, with readable labels."""
        low, high = self._value_range()
        if high <= low:
            return [low], [axis_label(low, self.unit)]
        values = [low + (high - low) * i / (count - 1) for i in range(count)]
        return values, [axis_label(value, self.unit) for value in values]

    def _value_range(self) -> tuple[float, float]:
        columns = [[v or 0.0 for v in values] for values in self.series.values()]
        if self.stacked:
            return 0.0, max((sum(point) for point in zip(*columns, strict=True)), default=0.0)
        points = [v for values in self.series.values() for v in values if v is not None]
        low = min(points, default=0.0) if self.unit == "ms" else 0.0
        return low, max(points, default=0.0)


def axis_label(value: float, unit: Unit) -> str:
    if unit == "usd":
        return fmt.usd_tick(value)
    if unit == "ms":
        return fmt.millis(value)
    if unit == "percent":
        return f"{value:.0f}%"
    return fmt.count(round(value))


@dataclass(frozen=True, slots=True)
class CurrentView:
    project: str
    has_data: bool
    cards: tuple[Card, ...]
    cost_chart: Chart
    tokens_chart: Chart
    latency_chart: Chart
    recent: tuple[tuple[str, ...], ...]
    plan: tuple[str, ...] = ()  # plan / rate-limit meter lines (tui/plan.py), none when no headers were seen
    block: str = ""  # the current 5-hour block, its burn rate and projection
    levels: tuple[tuple[str, str, float], ...] = ()  # plan windows' utilization, for the 80/95 % warnings


@dataclass(frozen=True, slots=True)
class MachineView:
    has_data: bool
    cards: tuple[Card, ...]
    project_chart: Chart
    model_chart: Chart
    usage_chart: Chart
    projects: tuple[tuple[str, ...], ...]
    models: tuple[tuple[str, ...], ...]
    routes: tuple[tuple[str, ...], ...] = ()
    plan: tuple[str, ...] = ()
    levels: tuple[tuple[str, str, float], ...] = ()


RECENT_COLUMNS = ("time", "model", "tokens in/out", "cost", "cache", "latency", "status")
RECENT_RIGHT = ("tokens in/out", "cost", "latency")
PROJECT_COLUMNS = ("project", "last activity", "requests", "cost", "saved")
PROJECT_RIGHT = ("requests", "cost", "saved")
MODEL_COLUMNS = ("model", "calls", "errors", "p50", "p95", "$/call", "cache hits", "cost")
MODEL_RIGHT = MODEL_COLUMNS[1:]
ROUTE_COLUMNS = ("route", "reason", "served", "requests", "cost", "routing saved")
ROUTE_RIGHT = ("requests", "cost", "routing saved")
