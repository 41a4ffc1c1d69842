"""Choose what the caseload shows: stage, platform, assignee, overdue only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select

from cases.i18n import Lang
from cases.vocabulary import Stage
from tui.i18n_tui import localize_bindings, t
from tui.widgets.caseload_index import UNASSIGNED, Filters

NOBODY = "\x00unassigned"


class FilterDialog(ModalScreen[Filters | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=True, id="dialog.cancel"),
        Binding("ctrl+s", "apply", "Save", show=True, id="dialog.save"),
    ]

    def __init__(self, filters: Filters, platforms: list[str], assignees: list[str],
                 lang: Lang) -> None:
        super().__init__(classes="form-dialog")
        self.filters = filters
        self.platforms = sorted(platforms)
        self.assignees = sorted(assignees)
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        lang, f = self.lang, self.filters
        anyone = t("any", lang)
        who = [(t("unassigned", lang), NOBODY), *((a, a) for a in self.assignees)]
        assignee: Any = Select.NULL
        if f.assignee is not None:
            assignee = NOBODY if f.assignee == UNASSIGNED else f.assignee
        with Vertical(classes="dialog"):
            yield Label(t("filters.title", lang), classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label(t("field.stage", lang), classes="label")
                yield Select([(s.label(lang), s.value) for s in Stage], prompt=anyone,
                             value=f.stage.value if f.stage else Select.NULL, compact=True,
                             id="stage")
            with Horizontal(classes="field"):
                yield Label(t("field.platform", lang), classes="label")
                yield Select([(p, p) for p in self.platforms], prompt=anyone,
                             value=f.platform if f.platform in self.platforms else Select.NULL,
                             compact=True, id="platform")
            with Horizontal(classes="field"):
                yield Label(t("field.assignee", lang), classes="label")
                yield Select(who, prompt=anyone, value=assignee, compact=True, id="assignee")
            with Horizontal(classes="field"):
                yield Label("", classes="label")
                yield Checkbox(t("field.overdue", lang), f.overdue, compact=True, id="overdue")
            with Horizontal(classes="buttons"):
                yield Button(t("form.save", lang), variant="primary", id="apply", compact=True)
                yield Button(t("form.cancel", lang), id="cancel", compact=True)

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.query_one("#stage").focus()

    def chosen(self) -> Filters:
        def value(name: str) -> Any:
            found = self.query_one(f"#{name}", Select).value
            return None if found is Select.NULL else found

        who = value("assignee")
        return replace(
            self.filters,
            stage=Stage(value("stage")) if value("stage") else None,
            platform=value("platform"),
            assignee=UNASSIGNED if who == NOBODY else who,
            overdue=self.query_one("#overdue", Checkbox).value,
        )

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
