"""The dashboard names each model recorded without a price, once, with the JSON that prices it (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tui.conftest import AppFactory, settle
from tests.tui.seed import NOW, record, write_records


async def test_unpriced_model_gets_one_notice_with_the_entry_to_add(make_app: AppFactory, tmp_path: Path) -> None:
    db = tmp_path / "unpriced.db"
    write_records(db, [record(NOW - 600, model="claude-nova-9"), record(NOW - 300, model="claude-nova-9")])
    write_records(db, [record(NOW - 200)])  # a priced one beside it is not named
    app = make_app(db, "http://127.0.0.1:9")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        app.refresh_data()  # a second refresh must not repeat the notice
        await settle(pilot)
        notices = [n.message for n in app._notifications if n.title == "Unpriced models"]
    assert len(notices) == 1, notices
    text = notices[0]
    assert "claude-nova-9 (2 requests)" in text and "claude-sonnet" not in text
    entry = json.loads(text[text.index("{") : text.rindex("}") + 1])
    assert set(entry["pricing"]) == {"claude-nova-9"}
    assert "cco reprice" in text
