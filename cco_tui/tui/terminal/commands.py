"""The Terminal tab's command line: parsing, completion, and one small handler per command.

Handlers talk to the app only through `CommandHost`, so this module needs no Textual import: output is Rich
renderables, database work goes through `host.in_thread`, cache and health through the proxy's HTTP API.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cco_tui import __version__
from cco_tui.store.access_keys import list_keys
from cco_tui.store.export import EXPORT_FORMATS, ExportFormat
from cco_tui.tui import data, formatting
from cco_tui.tui.context import AppContext
from cco_tui.tui.exporting import ExportError, default_export_path, export_requests
from cco_tui.tui.proxy_client import ProxyClient, ProxyUnreachable
from cco_tui.tui.terminal import governance, output
from cco_tui.tui.view_models import PROJECT_COLUMNS

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_LOG_LINES = 20


class CommandHost(Protocol):
    """What a command may use of the app."""

    @property
    def context(self) -> AppContext: ...

    @property
    def proxy(self) -> ProxyClient: ...

    def now(self) -> float: ...

    def write(self, output: RenderableType) -> None: ...

    async def clear_cache(self) -> tuple[bool, str]: ...

    async def in_thread(self, call: Callable[[], T]) -> T: ...

    def follow_logs(self, follow: bool) -> None: ...

    def clear_output(self) -> None: ...


Handler = Callable[[CommandHost, list[str]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    summary: str
    max_args: int
    choices: tuple[str, ...] = ()  # completions for the first argument


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command("help", "help [COMMAND]", "list commands, or explain one", 1),
        Command("stats", "stats [PROJECT|all]", "totals for the current project, a named one, or all", 1),
        Command(
            "cache",
            "cache stats|clear",
            "response cache figures, or empty it (asks first)",
            1,
            ("stats", "clear"),
        ),
        Command("export", "export csv|json [PATH]", "write every recorded request to a file", 2, EXPORT_FORMATS),
        Command("logs", "logs [N|off]", "show the last N log lines and follow new ones", 1, ("off",)),
        Command("health", "health", "ask the serving process whether it is up", 0),
        Command("routes", "routes", "model routing table from model-routing.json", 0),
        Command("pricing", "pricing [MODEL]", "price table, or the price that applies to MODEL", 1),
        Command("projects", "projects", "every project with requests, last activity first", 0),
        Command("keys", "keys", "access tokens (never the tokens themselves)", 0),
        Command("limits", "limits", "rate limits and their counters, from the serving cco", 0),
        Command("budgets", "budgets", "budgets, spend and reservations, from the serving cco", 0),
        Command("version", "version", "cco version", 0),
        Command("clear", "clear", "clear this output", 0),
    )
}


class CommandError(Exception):
    """A mistake in what was typed; the message says how to fix it."""


def parse(line: str) -> tuple[str, list[str]]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"Could not read that line: {exc}.") from None
    if not words:
        return "", []
    return words[0].lower(), words[1:]


async def run(line: str, host: CommandHost) -> None:
    """Run one typed line; every failure ends as a message in the output, never as an exception."""
    try:
        name, args = parse(line)
        if name:
            await _dispatch(name, args, host)
    except CommandError as exc:
        host.write(Text(formatting.printable(str(exc)), style="bold red"))
    except ProxyUnreachable as exc:
        host.write(Text(f"{exc}. Is cco still running?", style="bold red"))
    except Exception as exc:  # a broken command must not take the dashboard down
        log.exception("command %r failed", line)
        host.write(Text(formatting.printable(f"{name!r} failed: {exc}"), style="bold red"))


async def _dispatch(name: str, args: list[str], host: CommandHost) -> None:
    command = COMMANDS.get(name)
    if command is None:
        raise CommandError(unknown_message(name))
    if len(args) > command.max_args:
        raise CommandError(f"Too many arguments. Usage: {command.usage}")
    await HANDLERS[name](host, args)


def unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, list(COMMANDS), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"Unknown command '{name}'.{hint} Type 'help' to see what cco understands."


# --- completion -----------------------------------------------------------------------------------------


def complete(line: str, projects: Sequence[str] = ()) -> list[str]:
    """Whole-line candidates for the text typed so far: command names, then that command's first argument.

    Arguments come back quoted where needed ('my project (v2)'), so the completed line parses as typed.
    """
    name, space, rest = line.partition(" ")
    if not space:
        return [command for command in COMMANDS if command.startswith(name.lower())]
    typed = _first_argument(rest)
    if typed is None or name.lower() not in COMMANDS:
        return []
    options = _argument_choices(name.lower(), projects)
    return [f"{name} {shlex.quote(option)}" for option in options if option.startswith(typed)]


def _argument_choices(name: str, projects: Sequence[str]) -> Sequence[str]:
    if COMMANDS[name].choices:
        return COMMANDS[name].choices
    if name == "stats":
        return ("all", *projects)
    return tuple(COMMANDS) if name == "help" else ()


def _first_argument(text: str) -> str | None:
    """The unquoted first argument being typed (a quote may still be open), or None past the first."""
    for closing in ("", '"', "'"):
        try:
            words = shlex.split(text + closing)
        except ValueError:
            continue
        starts_next = not closing and text != text.rstrip() and not text.endswith("\\ ")
        if len(words) + starts_next > 1:
            return None
        return words[0] if words and not starts_next else ""
    return None


def common_prefix(candidates: Sequence[str]) -> str:
    """Longest start shared by every candidate (string-wise, not path-wise)."""
    if not candidates:
        return ""
    first, last = min(candidates), max(candidates)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


# --- handlers -------------------------------------------------------------------------------------------


async def do_help(host: CommandHost, args: list[str]) -> None:
    if args:
        command = COMMANDS.get(args[0].lower())
        if command is None:
            raise CommandError(unknown_message(args[0]))
        host.write(Text.assemble((command.usage, "bold"), "  ", command.summary))
        return
    table = Table.grid(padding=(0, 2))
    for command in COMMANDS.values():
        table.add_row(Text(command.usage, style="bold"), Text(command.summary))
    host.write(table)
    host.write(Text("Tab completes, ↑/↓ walk the history, Esc leaves the command line.", style="dim"))


async def do_stats(host: CommandHost, args: list[str]) -> None:
    project = (args[0] if args else host.context.project) or None
    scope = None if project == "all" else project
    if args and scope is not None:
        await _known_project(host, scope)
    totals = await host.in_thread(lambda: data.load_totals(scope))
    title = "All projects" if scope is None else f"Project {scope}"
    host.write(key_value_table(title, formatting.totals_lines(totals)))


async def _known_project(host: CommandHost, name: str) -> None:
    """A named project must exist: `stats nosuch` printed zeros, `stats --json` read a project named --json."""
    if name.startswith("-"):
        raise CommandError(
            f"'{name}' is not a project. Usage: stats [PROJECT|all] (options such as --json are "
            "for `cco stats` in a shell)"
        )
    names = await host.in_thread(data.project_names)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else " 'projects' lists them."
        raise CommandError(f"Unknown project '{name}'.{hint}")


async def do_cache(host: CommandHost, args: list[str]) -> None:
    action = args[0].lower() if args else "stats"
    if action == "stats":
        host.write(key_value_table("Response cache", output.cache_lines(await host.proxy.cache_stats())))
    elif action == "clear":
        await _cache_clear(host)
    else:
        raise CommandError("Usage: cache stats|clear")


async def _cache_clear(host: CommandHost) -> None:
    cleared, message = await host.clear_cache()
    host.write(Text(message, style="green" if cleared else "dim"))


async def do_export(host: CommandHost, args: list[str]) -> None:
    fmt = _export_format(args[0] if args else "")
    db_path = host.context.db_path
    path = Path(args[1]) if len(args) > 1 else default_export_path(fmt, host.now(), db_path)
    try:
        message = await host.in_thread(lambda: export_requests(path, db_path, fmt))
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    host.write(Text(formatting.printable(message), style="green"))


def _export_format(word: str) -> ExportFormat:
    for fmt in EXPORT_FORMATS:
        if word.lower() == fmt:
            return fmt
    raise CommandError("Usage: export csv|json [PATH]")


async def do_logs(host: CommandHost, args: list[str]) -> None:
    if args and args[0].lower() == "off":
        host.follow_logs(False)
        host.write(Text("Stopped following the log.", style="dim"))
        return
    lines = _positive_int(args[0]) if args else DEFAULT_LOG_LINES
    for line in host.context.log_handler.tail(lines):
        host.write(Text(formatting.printable(line, lines=True)))
    host.follow_logs(True)
    where = f" (file: {host.context.log_file})" if host.context.log_file else ""
    host.write(Text(f"Following new log lines; 'logs off' stops.{where}", style="dim"))


def _positive_int(word: str) -> int:
    if not word.isdigit() or int(word) == 0:
        raise CommandError(f"'{word}' is not a number of lines. Usage: logs [N|off]")
    return int(word)


async def do_health(host: CommandHost, args: list[str]) -> None:
    health = await host.proxy.health()
    uptime = formatting.duration(data.seconds(health.uptime_s))
    host.write(Text(f"{host.proxy.base_url}: {health.status}, version {health.version}, up {uptime}"))


async def do_routes(host: CommandHost, args: list[str]) -> None:
    """Two lines a route (provider and endpoint, then model and fallbacks): as five table columns, endpoints
    were cut to `http://127.0…` at 80 columns."""
    table = Table.grid(padding=(0, 2))
    table.title = Text("Routes", style="bold")
    table.title_justify = "left"
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for pattern, provider, endpoint, details in output.route_rows(host.context.config.routes):
        where = Text.assemble((provider, "bold"), " → ", endpoint)
        table.add_row(Text(pattern), Text("\n").join((where, Text(details, style="dim"))))
    host.write(table)


async def do_pricing(host: CommandHost, args: list[str]) -> None:
    pricing = host.context.config.pricing
    rows = output.pricing_rows(pricing, args[0] if args else None)
    if not rows:
        raise CommandError(f"No price for '{args[0]}': its requests are recorded as unpriced.")
    table = data_table("model", "input", "output", "cache write", "cache read", title="USD per million tokens")
    # Prices keep their headers whole: a long model id squeezed them to `inp… out… cac…` at 80 columns.
    for column in table.columns[1:]:
        column.no_wrap, column.min_width = True, len(str(column.header))
    for name, *prices in rows:  # the name may be two lines: the id asked for, then the price it gets
        table.add_row(Text(formatting.printable(name, lines=True)), *(Text(price) for price in prices))
    host.write(table)


async def do_projects(host: CommandHost, args: list[str]) -> None:
    now = host.now()
    rows = await host.in_thread(lambda: data.load_project_rows(now))
    if not rows:
        host.write(Text(data.empty_message(host.context.base_url)))
        return
    table = data_table(*PROJECT_COLUMNS)
    add_rows(table, rows)
    host.write(table)


async def do_keys(host: CommandHost, args: list[str]) -> None:
    host.write(governance.keys_table(await host.in_thread(list_keys)))


async def do_limits(host: CommandHost, args: list[str]) -> None:
    host.write(governance.limits_table(await host.proxy.limits()))


async def do_budgets(host: CommandHost, args: list[str]) -> None:
    host.write(governance.budgets_table(await host.proxy.limits()))


async def do_version(host: CommandHost, args: list[str]) -> None:
    host.write(Text(f"cco {__version__}"))


async def do_clear(host: CommandHost, args: list[str]) -> None:
    host.clear_output()


HANDLERS: dict[str, Handler] = {
    "help": do_help,
    "stats": do_stats,
    "cache": do_cache,
    "export": do_export,
    "logs": do_logs,
    "health": do_health,
    "routes": do_routes,
    "pricing": do_pricing,
    "projects": do_projects,
    "keys": do_keys,
    "limits": do_limits,
    "budgets": do_budgets,
    "version": do_version,
    "clear": do_clear,
}


# Rich reads str cells and titles as markup, and a terminal acts on escape sequences; project and model names
# come from requests, so every cell is Text with its control characters spelled out.


def data_table(*columns: str, title: str | None = None) -> Table:
    table = Table(
        *columns,
        title=Text(formatting.printable(title), style="table.title") if title else None,  # a Text ignores title_style
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.columns[0].no_wrap = True
    return table


def add_rows(table: Table, rows: Iterable[Sequence[str]]) -> None:
    for row in rows:
        table.add_row(*(Text(formatting.printable(cell)) for cell in row))


def key_value_table(title: str, lines: Sequence[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.title = Text(formatting.printable(title), style="bold")
    table.title_justify = "left"
    # A fixed key column: when a long value makes Rich shrink the table, it must shrink the values.
    table.add_column(style="dim", no_wrap=True, width=max((len(key) for key, _ in lines), default=1))
    table.add_column(overflow="fold")
    add_rows(table, lines)
    return table
