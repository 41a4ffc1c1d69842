"""Import cases from a CSV or JSON file, all rows or none (``refundflow import``)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.widgets import Input

from tui.dialogs.evidence import existing_file
from tui.dialogs.form import Field, FormDialog
from tui.i18n_tui import t


class ImportDialog(FormDialog[int | None]):
    """Returns how many cases were imported."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [("", "path")]
    """Every refusal of an import is about the file (a row, a column, a duplicate)."""

    def heading(self) -> str:
        return t("import.title", self.lang)

    def make_fields(self) -> list[Field]:
        return [
            Field("path", t("field.file", self.lang),
                  Input(compact=True, placeholder="~/cases.csv"), existing_file),
        ]

    def save(self, values: dict[str, Any]) -> int | None:
        from cases.importing import read_file
        from cases.services import import_cases, restore_cases

        ctx = self.ctx
        parsed = read_file(values["path"], ctx.settings.tz, ctx.provinces)
        count = 0
        if parsed.records:
            count += restore_cases(ctx, parsed.records)
        if parsed.new:
            count += len(import_cases(ctx, parsed.new, actor=ctx.settings.who))
        return count
