"""The plain functions behind the screens: formatting, chart axes, command parsing and completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from cco_tui.store.connect import open_database
from cco_tui.tui import formatting as fmt
from cco_tui.tui.data import load_current, load_machine
from cco_tui.tui.terminal import commands
from cco_tui.tui.view_models import Chart
from tests.tui.conftest import SESSION_START
from tests.tui.seed import NOW, history


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0.00"),
        (0.0042, "$0.0042"),
        (0.014, "$0.0140"),
        (1.234, "$1.23"),
        (1234.5, "$1,234.50"),
        (123456.0, "$123,456"),
    ],
)
def test_usd(amount: float, text: str) -> None:
    assert fmt.usd(amount) == text


def test_parts_share_the_precision_of_the_smallest() -> None:
    assert fmt.usd_parts(1.038, 0.014, 1.024, 0.0) == ["$1.0380", "$0.0140", "$1.0240", "$0.00"]
    assert fmt.usd_parts(65.19, 4.68, 60.51) == ["$65.19", "$4.68", "$60.51"]


def test_costs_name_the_requests_they_leave_out() -> None:
    assert [fmt.cost(1.5, 0), fmt.cost(1.5, 3), fmt.cost(0.0, 1200)] == [
        "$1.50",
        "$1.50 + 3 unpriced",
        "1,200 unpriced",
    ]


def test_printable_spells_out_control_characters() -> None:
    assert fmt.printable("a\x1b[2Jb\nc") == "a\\x1b[2Jb\\nc"
    assert fmt.printable("line\nnext", lines=True) == "line\nnext"
    assert fmt.printable("[red]é 日本[/red]") == "[red]é 日本[/red]"


@pytest.mark.parametrize(("value", "text"), [(950, "950"), (12_345, "12.3k"), (4_560_000, "4.56M"), (1.2e9, "1.2B")])
def test_count(value: int, text: str) -> None:
    assert fmt.count(int(value)) == text


def test_millis_and_percent() -> None:
    assert [fmt.millis(v) for v in (None, 40.0, 1500.0, 25_000.0)] == ["-", "40 ms", "1.5 s", "25 s"]
    assert [fmt.percent(v) for v in (None, 0.0, 0.05, 0.42)] == ["-", "0%", "5.0%", "42%"]


def test_time_ticks_are_evenly_spaced_and_bounded() -> None:
    chart = Chart("t", tuple(f"{h:02d}:00" for h in range(16)), {"a": [1.0] * 16})
    assert chart.tick_positions(4) == [0, 4, 8, 12]
    assert chart.tick_positions(100) == [0, 3, 6, 9, 12, 15]  # never more than max_ticks


def test_categorical_charts_label_every_bar() -> None:
    chart = Chart("p", ("a", "b", "c"), {"cost": [1.0, 2.0, 3.0]}, categorical=True)
    assert chart.tick_positions(1) == [0, 1, 2]


def test_value_ticks_of_a_stacked_chart_reach_the_tallest_stack() -> None:
    chart = Chart("t", ("x", "y"), {"in": [1000.0, 3000.0], "out": [500.0, 3000.0]}, "count", stacked=True)
    values, labels = chart.value_ticks()
    assert values[0] == 0 and values[-1] == 6000
    assert labels == ["0", "2k", "4k", "6k"]


def test_latency_axis_starts_at_the_fastest_bucket() -> None:
    chart = Chart("l", ("a", "b", "c"), {"avg": [900.0, None, 2100.0]}, "ms")
    values, labels = chart.value_ticks()
    assert (values[0], values[-1]) == (900.0, 2100.0)
    assert labels[0] == "900 ms" and labels[-1] == "2.1 s"


def test_empty_chart_has_no_data() -> None:
    assert not Chart("c", ("a",), {"cost": [0.0]}).has_data
    assert Chart("c", ("a",), {"cost": [0.01]}).has_data


def test_parse_splits_like_a_shell() -> None:
    assert commands.parse('export csv "my file.csv"') == ("export", ["csv", "my file.csv"])
    assert commands.parse("   ") == ("", [])
    with pytest.raises(commands.CommandError, match="Could not read that line"):
        commands.parse('export "open')


def test_completion() -> None:
    assert commands.complete("ve") == ["version"]
    assert commands.complete("c") == ["cache", "clear"]
    assert commands.complete("cache ") == ["cache stats", "cache clear"]
    assert commands.complete("stats w", ["webapp", "docs"]) == ["stats webapp"]
    assert commands.complete("help exp") == ["help export"]
    assert commands.complete("nothing here") == []
    assert commands.common_prefix(["cache stats", "cache clear"]) == "cache "


def test_completion_quotes_what_the_parser_would_split() -> None:
    projects = ["my project (v2)", "my-tool"]
    assert commands.complete("stats my p", projects) == []  # past the first argument
    assert commands.complete("stats 'my p", projects) == ["stats 'my project (v2)'"]
    assert commands.complete('stats "my p', projects) == ["stats 'my project (v2)'"]
    assert commands.complete("stats my", projects) == ["stats 'my project (v2)'", "stats my-tool"]
    assert commands.complete("stats my-tool ", projects) == []
    assert commands.parse(commands.complete("stats 'my p", projects)[0]) == ("stats", ["my project (v2)"])


def test_every_command_has_a_handler() -> None:
    assert set(commands.COMMANDS) == set(commands.HANDLERS)


def test_views_from_the_seeded_database(seeded_db: Path) -> None:
    open_database(seeded_db)
    current = load_current("cco", NOW, SESSION_START, "today")
    machine = load_machine(NOW)
    assert current.has_data and machine.has_data
    assert (
        current.cards[2].value
        == f"{sum(1 for r in history() if r.project == 'cco' and r.ts_start >= NOW - 15.5 * 3600):,}"
    )
    assert len(current.cost_chart.labels) == 16  # 00:00 .. 15:00
    assert [row[0] for row in machine.projects] == ["cco", "data-pipeline", "docs-site", "webapp"]
    assert machine.models[0][0].startswith("claude-sonnet-4-5")
    assert sum(share or 0.0 for share in machine.usage_chart.series["calls"]) == pytest.approx(100.0)
