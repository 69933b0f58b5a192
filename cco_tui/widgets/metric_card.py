"""A bordered card: a title in the border, one big value, a few muted detail lines."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cco_tui.view_models import Card


class MetricCard(Static):
    """Shows one `Card`; replaced wholesale on every refresh."""

    DEFAULT_CSS = """
    MetricCard {
        border: round $primary 60%;
        border-title-color: $text-primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 0 0 1;
        height: 6;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, card: Card, *, id: str | None = None) -> None:
        super().__init__(render_card(card), id=id)
        self.card = card
        self.border_title = card.title
        self.border_subtitle = card.note

    def show(self, card: Card) -> None:
        if card == self.card:
            return
        self.card = card
        self.border_title = card.title
        self.border_subtitle = card.note
        self.update(render_card(card))


def render_card(card: Card) -> Text:
    text = Text(card.value, style="bold", no_wrap=True, overflow="ellipsis")
    for detail in card.details:
        text.append("\n")
        text.append(detail, style="dim")
    return text
