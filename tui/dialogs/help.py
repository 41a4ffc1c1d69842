"""``?``: the keys of the screen it was opened on, as the footer names them, and the palette."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cases.i18n import Lang
from tui.i18n_tui import localize_bindings, t


class HelpDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", show=True, id="dialog.close"),
    ]

    def __init__(self, rows: list[tuple[str, str]], lang: Lang) -> None:
        super().__init__(classes="form-dialog")
        self.rows = rows
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.rows:
            table.add_row(escape(key), escape(description))
        with Vertical(classes="dialog"):
            yield Static(t("help.title", self.lang), classes="dialog-title")
            with VerticalScroll(classes="fields"):
                yield Static(table, id="keys")
            yield Static(t("help.palette", self.lang), id="palette-hint")

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)

    def action_close(self) -> None:
        self.dismiss(None)
