"""A bordered card: a title in the border, one big value, a few muted detail lines."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from cco_tui.tui.formatting import printable
from cco_tui.tui.view_models import Card


class MetricCard(Static):
    """Shows one `Card`; replaced wholesale on every refresh."""

    DEFAULT_CSS = """
    MetricCard {
        border: round $primary 60%;
        border-title-color: $text-primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 0 0 1;
        height: 7;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, card: Card, *, id: str | None = None) -> None:
        super().__init__(render_card(card), id=id)
        self.card = card
        self._set_borders(card)

    def show(self, card: Card) -> None:
        if card == self.card:
            return
        self.card = card
        self._set_borders(card)
        self.update(render_card(card))

    def _set_borders(self, card: Card) -> None:
        # Content, not str: a str border title is read as markup, and notes can hold project names.
        self.border_title = Content(printable(card.title))
        self.border_subtitle = Content(printable(card.note))


def render_card(card: Card) -> Text:
    text = Text(printable(card.value), style="bold", no_wrap=True, overflow="ellipsis")
    for detail in card.details:
        text.append("\n")
        text.append(printable(detail), style="dim")
    return text
