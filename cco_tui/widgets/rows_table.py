"""A read-only DataTable whose rows are replaced wholesale by each refresh."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from cco_tui.tui.formatting import printable


class RowsTable(DataTable[str | Text]):
    """Fixed columns; `show()` swaps the rows and keeps the cursor where it was when it still fits."""

    DEFAULT_CSS = """
    RowsTable {
        height: auto;
        max-height: 24;
    }
    """

    def __init__(self, columns: Sequence[str], *, right: Sequence[str] = (), id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, show_row_labels=False)
        self._columns = tuple(columns)
        self._right = frozenset(right)
        self._rows: tuple[tuple[str, ...], ...] | None = None

    def on_mount(self) -> None:
        for column in self._columns:
            self.add_column(Text(column), key=column)

    def show(self, rows: Sequence[Sequence[str]]) -> None:
        fresh = tuple(tuple(values) for values in rows)
        if fresh == self._rows:
            return  # unchanged: keep the table (and its measurements) as they are
        self._rows = fresh
        row = self.cursor_row
        self.clear()
        self.add_rows([self._cells(values) for values in rows])
        if rows:
            self.move_cursor(row=min(row, len(rows) - 1), animate=False)

    def _cells(self, values: Sequence[str]) -> list[str | Text]:
        """Text, never str: DataTable reads a str cell as markup, and names come from requests."""
        return [
            Text(printable(value), justify="right" if column in self._right else None)
            for column, value in zip(self._columns, values, strict=True)
        ]
