"""Attach evidence from a path: ``refundflow evidence add`` as a form."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.widgets import Input

from cases.i18n import InvalidInput
from cases.vocabulary import EvidenceKind
from tui.dialogs.form import CaseFormDialog, Field, choice_options, pick
from tui.i18n_tui import UI, t


def existing_file(value: str) -> Path:
    """A path typed by the user that names a readable file (``~`` is expanded)."""
    path = Path(value).expanduser()
    if path.is_dir():
        raise InvalidInput(UI["path.folder"].format(path=str(path)))
    if not path.is_file():
        raise InvalidInput(UI["path.missing"].format(path=str(path)))
    return path


class EvidenceDialog(CaseFormDialog[tuple[str, str] | None]):
    """Returns (reference, file name) once the file is stored with its hash."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [("file", "path"), ("time", "captured_at")]

    def heading(self) -> str:
        return t("evidence.title", self.lang, ref=self.ref)

    def make_fields(self) -> list[Field]:
        lang = self.lang
        return [
            Field("path", t("field.path", lang),
                  Input(compact=True, placeholder="~/Pictures/订单截图.png"), existing_file),
            Field("kind", t("field.kind", lang),
                  pick(*choice_options(EvidenceKind, lang), prompt=t("choose", lang)),
                  parse=EvidenceKind),
            Field("note", t("field.note", lang), Input(compact=True), optional=True),
            Field("captured_at", t("field.captured_at", lang),
                  Input(compact=True, placeholder=t("form.time_example", lang)), self.case_time,
                  optional=True),
        ]

    def save(self, values: dict[str, Any]) -> tuple[str, str] | None:
        from cases.services import add_evidence

        ctx = self.ctx
        item = add_evidence(ctx, self.ref, values["path"], values["kind"], note=values["note"],
                            captured_at=values["captured_at"], actor=ctx.settings.who)
        return self.ref, item.original_name
