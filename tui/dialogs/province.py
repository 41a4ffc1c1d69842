"""The user's province: a field of the new-case form, and ``refundflow case set REF
--province P`` as a dialog on the case page (``p``).

The name is checked as it is typed against the same table as the command line (广东, 广东省,
Guangdong, 粤 all mean 广东), so a wrong one reads as ``refundflow`` would print it. The
table is read in a worker when the form opens; it then also suggests the rest of a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from cases.i18n import InvalidInput, Lang
from tui.dialogs.form import CaseFormDialog, Field, FormDialog, raw
from tui.i18n_tui import t

ERROR_FIELDS = [("not a province of mainland China", "province"),
                ("province table", "province")]
"""Refusals of a province by the use case, shown under the field (see FormDialog)."""


def province_field(ctx: Any, lang: Lang) -> Field:
    """An optional field that reads a province name and gives the table's own (广东)."""
    return Field("province", t("field.province", lang),
                 Input(compact=True, placeholder="广东 / Guangdong"),
                 lambda value: ctx.provinces.find(value).name, optional=True)


@work(thread=True, exclusive=True, group="provinces")
def load_suggestions(dialog: FormDialog[Any]) -> None:
    """Read the province table off the event loop; then the field completes names."""
    try:
        table = dialog.ctx.provinces
    except Exception:  # a broken provinces.toml: the field says so when it is checked
        return
    names = [name for p in table.provinces.values() for name in p.names()]
    dialog.app.call_from_thread(_suggest, dialog, names)


def _suggest(dialog: FormDialog[Any], names: list[str]) -> None:
    widget = dialog.fields["province"].widget
    if isinstance(widget, Input):
        widget.suggester = SuggestFromList(names, case_sensitive=False)


@dataclass(frozen=True)
class ProvinceSet:
    """What the case page says once the province is saved (``name`` None: cleared)."""

    ref: str
    name: str | None
    label: str


class ProvinceDialog(CaseFormDialog[ProvinceSet | None]):
    """Set, change or clear one case's province; the change goes on its timeline."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = ERROR_FIELDS

    def heading(self) -> str:
        return t("province.title", self.lang, ref=self.ref)

    def hint(self) -> str:
        return t("province.hint", self.lang)

    def make_fields(self) -> list[Field]:
        return [province_field(self.ctx, self.lang)]

    def on_mount(self) -> None:  # after CaseFormDialog's (Textual calls each class's own)
        load_suggestions(self)

    def case_loaded(self, case: Any) -> None:
        widget = self.fields["province"].widget
        assert isinstance(widget, Input)
        widget.value = case.province or ""
        widget.cursor_position = len(widget.value)
        self.on_field_changed("province")

    def on_field_changed(self, name: str) -> None:
        """Under the title: what refundflow knows of the province typed so far."""
        from notifications.guide import province_summary

        try:
            found = self.ctx.provinces.lookup(str(raw(self.fields[name].widget) or ""))
        except InvalidInput:  # a broken provinces.toml: the field's own check says so
            found = None
        text = province_summary(found).render(self.lang) if found else t("province.hint",
                                                                        self.lang)
        self.query_one("#hint", Static).update(text)

    def save(self, values: dict[str, Any]) -> ProvinceSet | None:
        from cases.services import set_province

        ctx = self.ctx
        case = set_province(ctx, self.ref, values["province"], actor=ctx.settings.who)
        found = ctx.provinces.lookup(case.province) if case.province else None
        label = found.label().render(self.lang) if found else ""
        return ProvinceSet(case.ref, case.province, label)
