"""`cco stats` and `cco export`: read the analytics database directly (no server needed). CLI: may print."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, NoReturn

import orjson

from cco_tui.commands.plan_report import plan_data, plan_json, plan_lines
from cco_tui.store import queries, route_stats
from cco_tui.store.connect import StoreUnavailable, open_database
from cco_tui.store.export import EXPORT_FORMATS, encode_export, export_rows
from cco_tui.store.target import DbTarget, DbUrlError, db_target, default_db_target
from cco_tui.store.timespec import HELP as TIME_HELP
from cco_tui.store.timespec import parse_time
from cco_tui.tui import formatting as fmt


def add_report_commands(subparsers: argparse._SubParsersAction[OneLineParser]) -> None:
    stats = subparsers.add_parser("stats", help="cost, savings and usage totals from the analytics database")
    stats.add_argument("--project", help="only this project (default: all projects)")
    stats.add_argument("--session", metavar="ID", help="one Claude Code session (x-claude-code-session-id)")
    _add_range_and_db(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.add_argument(
        "--by", choices=("route",), help="also a table by route: requests, served models, cost, routing savings"
    )
    stats.set_defaults(func=run_stats)

    export = subparsers.add_parser("export", help="every recorded request as CSV or JSON")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    export.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    export.add_argument("--project", help="only this project")
    _add_range_and_db(export)
    export.set_defaults(func=run_export)


def _add_range_and_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_time_arg, help=f"start of the range: {TIME_HELP}")
    parser.add_argument("--until", type=_time_arg, help="end of the range (same forms as --since)")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="SQLite file or sqlite:///path, or postgresql://user:pass@host:port/db"
        " (default: $CCO_DB or the user data directory)",
    )


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line and exit 2, like cco's other command-line errors (no usage block)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _time_arg(text: str) -> float:
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _filter(args: argparse.Namespace) -> queries.Filter:
    return queries.Filter(project=args.project, since=args.since, until=args.until)


def _open(args: argparse.Namespace) -> DbTarget | None:
    try:
        target = db_target(args.db) if args.db else default_db_target()
    except DbUrlError as error:
        print(f"cco: --db: {error}", file=sys.stderr)
        return None
    if target.path is not None and not target.path.exists():
        print(f"cco: no analytics database at {target} (no requests recorded yet?)", file=sys.stderr)
        return None
    try:
        open_database(target)
    except StoreUnavailable as error:
        print(f"cco: {error}", file=sys.stderr)
        return None
    return target


def run_stats(args: argparse.Namespace) -> int:
    if args.session:
        from cco_tui.commands.claude_code import run_session_stats

        return run_session_stats(args.db, args.session, args.json)
    if _open(args) is None:
        return 1
    f = _filter(args)
    totals, by_model, by_project = (
        queries.totals(f),
        queries.breakdown(f, "model"),
        queries.breakdown(f, "project"),
    )
    by_route = route_stats.by_route(f) if args.by == "route" else None
    now = time.time()
    planned = plan_data(f, now)
    if args.json:
        report = {"totals": totals, "by_model": by_model, "by_project": by_project, **plan_json(planned)}
        if by_route is not None:
            report["by_route"] = by_route
        sys.stdout.buffer.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        lines = [*_stats_lines(totals, by_model, by_project, f), *_route_table(by_route), *plan_lines(planned, now)]
        print("\n".join(lines))
    return 0


def _route_table(groups: list[route_stats.RouteGroup] | None) -> list[str]:
    if groups is None:
        return []
    if not groups:
        return ["", "  by route: no requests in this range"]
    rows = [f"  {'by route':<12} {'served':<28} {'requests':>9} {'cost $':>12} {'routing saved $':>16}  reason"]
    for g in groups:
        rows.append(
            f"  {g.route[:12]:<12} {g.served_models[:28]:<28} {g.requests:>9,} {g.cost_usd:>12,.4f}"
            f" {g.saved_routing_usd:>16,.4f}  {g.reason}"
        )
    return ["", *rows]


def run_export(args: argparse.Namespace) -> int:
    if _open(args) is None:
        return 1
    if args.out is not None and not args.out.parent.is_dir():
        print(f"cco: --out: {args.out.parent} is not a directory", file=sys.stderr)
        return 2
    with _output(args.out) as out:
        for chunk in encode_export(export_rows(_filter(args)), args.format):
            out.write(chunk)
    return 0


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[IO[bytes]]:
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with path.open("wb") as handle:
        yield handle


def _stats_lines(
    t: queries.Totals, models: list[queries.Group], projects: list[queries.Group], f: queries.Filter
) -> list[str]:
    """The totals as the Terminal tab's `stats` shows them (one formatter), then the per-model and per-project
    tables."""
    scope = f"project {f.project}" if f.project else "all projects"
    lines = [f"  {name:<15} {value}" for name, value in fmt.totals_lines(t)]
    return [f"cco stats — {scope}", *lines, *_group_table("model", models), *_group_table("project", projects)]


def _group_table(title: str, groups: list[queries.Group]) -> list[str]:
    """Costs through the shared formatter: an unpriced model reads `3 unpriced`, never `0.0000`."""
    if not groups:
        return []
    rows = [f"  {'by ' + title:<32} {'requests':>9} {'cost':>22} {'saved':>10} {'p95':>10}"]
    for g in groups:
        key = fmt.model_name(g.key) if title == "model" else g.key
        rows.append(
            f"  {key[:32]:<32} {g.requests:>9,} {fmt.cost(g.cost_usd, g.unpriced_requests):>22}"
            f" {fmt.usd(g.saved_usd):>10} {fmt.millis(g.latency_p95_ms):>10}"
        )
    return ["", *rows]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m cco_tui.commands.reports stats|export …` (the same commands `cco` offers)."""
    parser = OneLineParser(prog="cco")
    add_report_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
