"""The Current Project tab lists the project's Claude Code sessions (calls, cost, cache hits, subagent share)
from requests that went through the real cco; a project whose client sends no session id shows no table."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from cco_tui.screens.dialogs.session_detail import SessionDetailScreen
from cco_tui.widgets.rows_table import RowsTable
from tests.fakes.serve import ThreadedServer
from tests.tui.conftest import CURRENT_PROJECT, AppFactory, message_body, settle
from tests.tui.test_app import refresh_until


def send(url: str, text: str, session: str, agent: str | None = None) -> None:
    headers = {"x-api-key": "sk-ant-sessions", "x-cco-project": CURRENT_PROJECT, "x-claude-code-session-id": session}
    if agent:
        headers["x-claude-code-agent-id"] = agent
    httpx.post(url + "/v1/messages", json=message_body(text), headers=headers, timeout=30).raise_for_status()


async def test_sessions_table_shows_each_session(make_app: AppFactory, live_db: Path, real_cco: ThreadedServer) -> None:
    app = make_app(live_db, real_cco.url, clock=time.time)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        table = app.query_one("#sessions-table", RowsTable)
        assert not table.display  # no session yet: no section
        send(real_cco.url, "one", "sess-aaaa-1111")
        send(real_cco.url, "two", "sess-aaaa-1111", agent="agent-1")
        send(real_cco.url, "three", "sess-bbbb-2222")
        await refresh_until(pilot, lambda: table.row_count == 2)
        rows = {str(table.get_row_at(i)[1]): [str(cell) for cell in table.get_row_at(i)] for i in range(2)}
        assert table.display
        row = next(i for i in range(2) if str(table.get_row_at(i)[1]).startswith("sess-aaaa"))
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, SessionDetailScreen) and detail.session_id == "sess-aaaa-1111"
        parts = detail.query_one("#session-parts", RowsTable)
        kinds = {str(parts.get_row_at(i)[0]) for i in range(parts.row_count)}
        assert kinds == {"main", "subagent agent-1"}
    first = next(row for session, row in rows.items() if session.startswith("sess-aaaa"))
    assert first[4] == "2" and first[7] == "50%"  # two calls, one of them a subagent's
    assert first[5].startswith("$") and first[3].startswith("claude-")
