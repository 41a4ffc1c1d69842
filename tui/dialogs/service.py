"""The background service: is it running, how is each part, start it."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cases.i18n import Lang
from tui.i18n_tui import localize_bindings, t
from tui.messages import ServiceState
from tui.widgets.service import details, summary


class ServiceDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", show=True, id="dialog.close"),
        Binding("s", "start", "Start service", show=True, id="service.start"),
    ]

    def __init__(self, status: dict[str, Any] | None, lang: Lang) -> None:
        super().__init__(classes="form-dialog")
        self.status = status
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t("service.title", self.lang), classes="dialog-title")
            yield Static(self._body(), id="service-body")
            with Horizontal(classes="buttons"):
                yield Button(t("service.start", self.lang), variant="primary", id="start",
                             compact=True)
                yield Button(t("close", self.lang), id="close", compact=True)

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.query_one("#close").focus()

    def _body(self) -> Any:
        rows = details(self.status, self.lang)
        if self.status is None:
            return t("service.missing", self.lang)
        table = Table(box=None, show_header=False, title=summary(self.status, self.lang),
                      title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for part, state, ok in rows:
            table.add_row(escape(part), escape(state) if ok else f"[red]{escape(state)}[/red]")
        return table

    @on(ServiceState)
    def _state(self, message: ServiceState) -> None:
        self.status = message.status
        self.query_one("#service-body", Static).update(self._body())

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        app: Any = self.app
        self.query_one("#service-body", Static).update(t("service.starting", self.lang))
        app.start_service_now()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
