"""The letter for the case's next step, as ``refundflow letter`` writes it (read-only)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from cases.i18n import Lang, RefundflowError
from tui.i18n_tui import localize_bindings, t


class LetterDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=True, id="dialog.close"),
    ]

    def __init__(self, ctx: Any, ref: str, lang: Lang) -> None:
        super().__init__(classes="form-dialog wide")
        self.ctx = ctx
        self.ref = ref
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t("case.loading", self.lang, ref=self.ref), classes="dialog-title",
                         id="title")
            yield TextArea("", read_only=True, soft_wrap=True, id="letter")
            yield Static("", id="notes")

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.query_one(TextArea).focus()
        self._load()

    @work(thread=True, exclusive=True, group="letter")
    def _load(self) -> None:
        from cases.services import get_case
        from notifications.letters import render_letter

        ctx = self.ctx
        try:
            case = get_case(ctx, self.ref)
            letter = render_letter(case, None, self.lang, ctx.clock.now(), ctx.planner)
        except RefundflowError as exc:
            self.app.call_from_thread(self._show, exc.render(self.lang), "", [])
            return
        title = t("letter.title", self.lang, ref=self.ref, rung=letter.rung.name.render(self.lang))
        notes = [n.render(self.lang) for n in letter.notes]
        self.app.call_from_thread(self._show, title, letter.text, notes)

    def _show(self, title: str, text: str, notes: list[str]) -> None:
        self.query_one("#title", Static).update(escape(title))
        self.query_one(TextArea).load_text(text)
        self.query_one("#notes", Static).update(escape("\n".join(f"! {n}" for n in notes)))

    def action_close(self) -> None:
        self.dismiss(None)
