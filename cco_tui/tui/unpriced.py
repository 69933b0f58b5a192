"""The dashboard's notice about models recorded without a price: which ones, and the JSON that prices them.

A cost tracker that goes quiet about what it cannot price looks cheaper than it is, so each unpriced model gets one
notification per dashboard session (not one per refresh), naming it with an entry to paste into
model-pricing.json and the command that then fixes the recorded rows.
"""

from __future__ import annotations

import json

from cco_tui.store import queries
from cco_tui.store.db import database
from cco_tui.store.reprice import UnpricedModel, unpriced_models

PLACEHOLDER = {"input": "USD per million input tokens", "output": "USD per million output tokens"}


class UnpricedWatch:
    """Lists the unpriced models only when the number of unpriced requests changed: the count comes from the
    rollups (cheap), the list from the raw rows (a scan), so a refresh every few seconds stays cheap."""

    def __init__(self) -> None:
        self._count = 0

    def changed(self) -> list[UnpricedModel] | None:
        """Blocking: call from a worker thread. None when nothing changed since the last call."""
        count = queries.totals().unpriced_requests
        if count == self._count:
            return None
        self._count = count
        with database.connection_context():
            return unpriced_models(database)


def notice(models: list[UnpricedModel]) -> str:
    """One message for the models not announced yet."""
    names = ", ".join(f"{m.model or '(no model)'} ({m.requests} request{'s' * (m.requests != 1)})" for m in models)
    entry = json.dumps({"pricing": {m.model: PLACEHOLDER for m in models if m.model}}, indent=1)
    return (
        f"No price for: {names}. Their cost is not counted. Add to model-pricing.json in your config directory:\n"
        f"{entry}\nthen run `cco reprice` (or `cco pricing check` to see them again)."
    )


class Announced:
    """Which unpriced models this dashboard has already named."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def new(self, models: list[UnpricedModel]) -> list[UnpricedModel]:
        fresh = [m for m in models if m.model not in self._seen]
        self._seen.update(m.model for m in fresh)
        return fresh
