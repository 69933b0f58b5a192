"""The Textual app: header with the listening address, three tabs, footer with the keys.

Every database read runs in a named thread worker that posts its result back as a message; the serving
process is reached over HTTP (ProxyClient), so viewer mode behaves exactly like the normal mode.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar, TypeVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from cco_tui.screens.current_project import CurrentProjectPane
from cco_tui.screens.dialogs.confirm import ConfirmScreen
from cco_tui.screens.dialogs.export import ExportScreen
from cco_tui.screens.dialogs.help import HelpScreen
from cco_tui.screens.dialogs.session_detail import SessionDetailScreen
from cco_tui.screens.machine_wide import MachineWidePane
from cco_tui.screens.terminal import TerminalPane
from cco_tui.store.connect import open_database
from cco_tui.store.reprice import UnpricedModel
from cco_tui.store.session_list import session_detail
from cco_tui.tui import data, plan
from cco_tui.tui import formatting as fmt
from cco_tui.tui.context import AppContext
from cco_tui.tui.exporting import ExportError, default_export_path, export_requests
from cco_tui.tui.proxy_client import CacheStats, Health, ProxyClient, ProxyUnreachable
from cco_tui.tui.rule_gauges import rule_lines
from cco_tui.tui.sessions_view import load_sessions, session_rows
from cco_tui.tui.unpriced import Announced, UnpricedWatch, notice
from cco_tui.tui.view_models import CurrentView, MachineView

log = logging.getLogger("cco.dashboard")
T = TypeVar("T")
Clock = Callable[[], float]
TABS = ("current", "machine", "terminal")
RANGE_HINTS = {"today": "hour buckets, today (t: 30 days)", "30d": "day buckets, 30 days (t: today)"}
TAB_KEYS = Binding.Group("tabs")


BUDGET_LOGGER = " cco.governance: "


class CcoApp(App[None]):
    """The cco dashboard. Build it with the runner's AppContext; `clock` and `proxy` exist for tests."""

    CSS_PATH = "app.tcss"
    TITLE = "cco"
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 - Textual's declaration
        (0, "-narrow"),
        (120, "-wide"),
        (180, "-huge"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('current')", "Project", group=TAB_KEYS),
        Binding("2", "show_tab('machine')", "Machine", group=TAB_KEYS),
        Binding("3", "show_tab('terminal')", "Terminal", group=TAB_KEYS),
        Binding("r", "refresh", "refresh"),
        Binding("t", "toggle_range", "range"),
        Binding("c", "clear_cache", "clear cache"),
        Binding("e", "export", "export"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]
    """Plain keys: the Terminal's command line consumes them while it has focus (Esc leaves it)."""

    class CurrentLoaded(Message):
        """A Current Project refresh is ready to show."""

        def __init__(self, view: CurrentView) -> None:
            super().__init__()
            self.view = view

    class MachineLoaded(Message):
        """A Machine-Wide refresh is ready to show."""

        def __init__(self, view: MachineView) -> None:
            super().__init__()
            self.view = view

    class UnpricedFound(Message):
        """Models recorded without a price (the notice names the ones not announced yet)."""

        def __init__(self, models: list[UnpricedModel]) -> None:
            super().__init__()
            self.models = models

    class SessionsLoaded(Message):
        """The Current Project's sessions table rows."""

        def __init__(self, rows: tuple[tuple[str, ...], ...], ids: tuple[str, ...]) -> None:
            super().__init__()
            self.rows, self.ids = rows, ids

    class ProjectsNamed(Message):
        """Project names for the Terminal's completion."""

        def __init__(self, names: list[str]) -> None:
            super().__init__()
            self.names = names

    def __init__(self, context: AppContext, *, clock: Clock | None = None, proxy: ProxyClient | None = None) -> None:
        super().__init__()
        self.context = context
        self.clock: Clock = clock or time.time
        self.started_at = self.clock()
        self.proxy = proxy or ProxyClient(context.base_url, verify=context.verify, token=context.api_token)
        self.cost_range: data.CostRange = "today"
        self.server_status = "checking the server…"
        self.views_shown = 0  # refreshes applied to the screen, for tests and the benchmark
        self._db_lock = threading.Lock()
        self._db_open = False
        self._last_error = ""
        self._shown_tab = "current"
        self._budget_alerts: Callable[[], None] = lambda: None
        self._unpriced = Announced()
        self._unpriced_watch = UnpricedWatch()
        self._plan_warned: dict[tuple[str, str], float] = {}  # (credential, window) → threshold told

    # --- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        empty = data.empty_message(self.context.base_url)
        yield Header(icon="◆")
        with TabbedContent(initial="current", id="tabs"):
            with TabPane("Current Project", id="current"):
                yield CurrentProjectPane(self.context.project, empty, id="current-pane")
            with TabPane("Machine-Wide", id="machine"):
                yield MachineWidePane(empty, id="machine-pane")
            with TabPane("Terminal", id="terminal"):
                yield TerminalPane(id="terminal-pane")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "cco · viewer mode" if self.context.viewer_mode else "cco"
        self._show_server_status()
        self.set_interval(self.context.refresh_seconds, self.refresh_data)
        self.refresh_data()
        self.current_pane.focus()
        self._budget_alerts = self.context.log_handler.subscribe(self._budget_warning(asyncio.get_running_loop()))

    def _budget_warning(self, loop: asyncio.AbstractEventLoop) -> Callable[[str], None]:
        """Budget warnings (80%, 95%) are log lines of the governance logger: shown as notifications too."""

        def seen(line: str) -> None:
            if BUDGET_LOGGER in line and " WARNING " in line:
                message = line.split(BUDGET_LOGGER, 1)[1]
                loop.call_soon_threadsafe(self.tell, message, "Budget", "warning")

        return seen

    async def on_unmount(self) -> None:
        self._budget_alerts()
        await self.proxy.aclose()

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    @property
    def current_pane(self) -> CurrentProjectPane:
        return self.query_one("#current-pane", CurrentProjectPane)

    @property
    def machine_pane(self) -> MachineWidePane:
        return self.query_one("#machine-pane", MachineWidePane)

    @property
    def terminal(self) -> TerminalPane:
        return self.query_one("#terminal-pane", TerminalPane)

    @property
    def active_tab(self) -> str:
        return self.tabs.active or "current"

    def now(self) -> float:
        return self.clock()

    # --- refreshing -----------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Reload what the visible tab shows (hidden tabs reload when they are shown).

        A load still running is left to finish: on a slow disk, timer ticks must not pile up threads.
        """
        self.poll_server()
        loads = {"current": self.load_current, "machine": self.load_machine, "terminal": self.load_project_names}
        group = {"terminal": "names"}.get(self.active_tab, self.active_tab)
        if not any(w.group == group and not w.is_finished for w in self.workers):
            loads[self.active_tab]()

    def _ensure_database(self) -> None:
        with self._db_lock:
            if not self._db_open:
                open_database(self.context.db_path)
                self._db_open = True

    @work(thread=True, exclusive=True, exit_on_error=False, group="current")
    def load_current(self) -> None:
        self._ensure_database()
        view = data.load_current(self.context.project, self.now(), self.started_at, self.cost_range)
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.post_message(self.CurrentLoaded(view))
            unpriced = self._unpriced_watch.changed()
            if unpriced is not None:
                self.post_message(self.UnpricedFound(unpriced))
            now = self.now()
            sessions, models = load_sessions(self.context.project, now)
            ids = tuple(session.session_id for session in sessions)
            self.post_message(self.SessionsLoaded(session_rows(sessions, models, now), ids))

    @work(thread=True, exclusive=True, exit_on_error=False, group="machine")
    def load_machine(self) -> None:
        self._ensure_database()
        view = data.load_machine(self.now())
        if not get_current_worker().is_cancelled:
            self.post_message(self.MachineLoaded(view))

    @work(thread=True, exclusive=True, exit_on_error=False, group="names")
    def load_project_names(self) -> None:
        self._ensure_database()
        self.post_message(self.ProjectsNamed(data.project_names()))

    @work(exclusive=True, exit_on_error=False, group="server")
    async def poll_server(self) -> None:
        try:
            health, stats = await self.proxy.health(), await self.proxy.cache_stats()
        except ProxyUnreachable:
            self.server_status = "server unreachable"
        else:
            self.server_status = server_summary(health, stats)
            await self._show_rules()
        self._show_server_status()

    async def _show_rules(self) -> None:
        """Budgets and limits live in the serving process: read them from its /api/limits (none: no lines)."""
        try:
            rules = await self.proxy.limits()
        except ProxyUnreachable:
            rules = {}  # an older cco, or no admin credential: the gauges stay hidden
        for current in self.query(CurrentProjectPane):
            current.show_rules(rule_lines(rules, self.context.project))
        for machine in self.query(MachineWidePane):
            machine.show_rules(rule_lines(rules))

    def _show_server_status(self) -> None:
        web = f" · web {self.context.web_url}" if self.context.web_url else ""
        self.sub_title = f"{self.context.base_url}{web} · {self.server_status}"

    @on(CurrentLoaded)
    def _show_current(self, message: CurrentLoaded) -> None:
        for pane in self.query(CurrentProjectPane):  # none while the app is shutting down
            pane.show(message.view, RANGE_HINTS[self.cost_range])
            self.views_shown += 1
        self._warn_plan(message.view.levels)

    @on(MachineLoaded)
    def _show_machine(self, message: MachineLoaded) -> None:
        for pane in self.query(MachineWidePane):
            pane.show(message.view)
            self.views_shown += 1
        self._warn_plan(message.view.levels)

    def _warn_plan(self, levels: tuple[tuple[str, str, float], ...]) -> None:
        """A notification (and a log line) when a plan window reaches 80 % or 95 %, once per crossing."""
        for text in plan.new_warnings(levels, self._plan_warned):
            log.warning("plan limit: %s", text)
            self.tell(text, "Plan limit", "warning")

    @on(SessionsLoaded)
    def _show_sessions(self, message: SessionsLoaded) -> None:
        for pane in self.query(CurrentProjectPane):
            pane.show_sessions(message.rows, message.ids)

    @on(CurrentProjectPane.SessionChosen)
    def _session_chosen(self, message: CurrentProjectPane.SessionChosen) -> None:
        self.load_session_detail(message.session_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def load_session_detail(self, session_id: str) -> None:
        self._ensure_database()
        parts = session_detail(session_id)
        self.call_from_thread(self.push_screen, SessionDetailScreen(session_id, parts))

    @on(UnpricedFound)
    def _announce_unpriced(self, message: UnpricedFound) -> None:
        fresh = self._unpriced.new(message.models)
        if fresh:
            self.notify(notice(fresh), title="Unpriced models", severity="warning", timeout=30, markup=False)

    @on(ProjectsNamed)
    def _complete_projects(self, message: ProjectsNamed) -> None:
        for pane in self.query(TerminalPane):
            pane.command_input.projects = message.names

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Failures become one notification each (not one every refresh while the cause lasts)."""
        if event.state != WorkerState.ERROR:
            return
        message = f"{event.worker.group}: {event.worker.error}"
        if message != self._last_error:
            self._last_error = message
            self.tell(message, "cco could not refresh", "error")

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if self.active_tab == self._shown_tab:
            return  # the initial activation: on_mount already loads it
        self._shown_tab = self.active_tab
        if self.active_tab == "terminal":
            self.terminal.revealed()
        self.refresh_bindings()
        self.refresh_data()
        self._focus_tab(self.active_tab)

    def _focus_tab(self, tab: str) -> None:
        if tab == "terminal":
            self.terminal.command_input.focus()
        else:
            (self.current_pane if tab == "current" else self.machine_pane).focus()

    # --- actions --------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_range":
            return self.active_tab == "current"
        return True

    def action_show_tab(self, tab: str) -> None:
        if tab in TABS:
            self.tabs.active = tab
            self._focus_tab(tab)

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_toggle_range(self) -> None:
        self.cost_range = "30d" if self.cost_range == "today" else "today"
        self.load_current()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.context.base_url))

    def action_clear_cache(self) -> None:
        self.run_worker(self._clear_cache(), group="cache", exclusive=True, exit_on_error=False)

    async def _clear_cache(self) -> None:
        try:
            cleared, message = await self.clear_cache()
        except ProxyUnreachable as exc:
            self.tell(str(exc), "Cache not cleared", "error")
            return
        if cleared:
            self.tell(message, "Cache cleared")

    async def clear_cache(self) -> tuple[bool, str]:
        """The one clear-cache flow (the c key, the palette and the Terminal's `cache clear`): ask, clear, and
        refresh the header's "N cached" at once rather than at the next timer tick. Call from a worker;
        raises ProxyUnreachable."""
        if not await self.ask("Clear the response cache? Cached answers will be fetched again."):
            return False, "Cache left as it was."
        cleared = await self.proxy.cache_clear()
        self.poll_server()
        return True, f"Cache cleared: {cleared:,} entries removed."

    def action_export(self) -> None:
        default = default_export_path("csv", self.now(), self.context.db_path)
        self.push_screen(ExportScreen(default), callback=self._export_chosen)

    def _export_chosen(self, path: Path | None) -> None:
        if path is not None:
            self.export_to(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export_to(self, path: Path) -> None:
        try:
            message = self._with_database(lambda: export_requests(path, self.context.db_path))
        except ExportError as exc:
            self.call_from_thread(self.tell, str(exc), "Not exported", "error")
            return
        self.call_from_thread(self.tell, message, "Exported")

    def tell(self, message: str, title: str, severity: SeverityLevel = "information") -> None:
        """A notification shown as plain text: messages carry paths and names, which are neither markup
        nor terminal escape sequences."""
        self.notify(fmt.printable(message, lines=True), title=title, severity=severity, markup=False)

    # --- services for the Terminal's commands ---------------------------------------------------------

    async def ask(self, question: str) -> bool:
        """Confirm with a dialog; call from a worker (it waits for the answer)."""
        return await self.push_screen_wait(ConfirmScreen(question, yes_label="Clear"))

    async def in_thread(self, call: Callable[[], T]) -> T:
        """Run blocking (database) work off the event loop."""
        return await asyncio.to_thread(self._with_database, call)

    def _with_database(self, call: Callable[[], T]) -> T:
        self._ensure_database()
        return call()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh now", "Reload the dashboard from the database (r)", self.action_refresh)
        yield SystemCommand(
            "Clear response cache",
            "Empty cco's response cache, after a confirmation (c)",
            self.action_clear_cache,
        )
        yield SystemCommand("Export requests", "Write every recorded request to CSV or JSON (e)", self.action_export)
        yield SystemCommand(
            "Current Project tab", "Show the current project (1)", lambda: self.action_show_tab("current")
        )
        yield SystemCommand("Machine-Wide tab", "Show all projects (2)", lambda: self.action_show_tab("machine"))
        yield SystemCommand("Terminal tab", "Show the command line (3)", lambda: self.action_show_tab("terminal"))
        yield SystemCommand(
            "Toggle hours/days", "Cost chart: today by hour, or 30 days by day (t)", self.action_toggle_range
        )
        yield SystemCommand("Help", "Keys and Terminal commands (?)", self.action_help)


def server_summary(health: Health, stats: CacheStats) -> str:
    uptime = fmt.duration(data.seconds(health.uptime_s))
    return f"up {uptime} · {stats.entries:,} cached ({fmt.size(stats.bytes)})"


async def run_app(context: AppContext) -> None:
    """Run the dashboard on the current loop (the runner serves the proxy on the same loop)."""
    app = CcoApp(context)
    # Textual turns Ctrl+C into a key; SIGTERM and SIGHUP (terminal closed) must still restore the terminal and
    # flush the analytics queue, so they exit the app cleanly.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        asyncio.get_running_loop().add_signal_handler(signum, app.exit)
    await app.run_async()
