"""Where to write a case's evidence dossier: ``refundflow dossier REF -o FILE.zip`` as a form.

The zip is built and written in the form's worker thread (reading every evidence file and
hashing it can take a moment); the dialog closes only once the file is on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual.widgets import Input, Select

from cases.i18n import InvalidInput, Lang, Text
from tui.dialogs.form import Field, FormDialog
from tui.i18n_tui import t


@dataclass(frozen=True)
class DossierWritten:
    """What the case page tells the user once the zip is written."""

    ref: str
    path: Path
    evidence: int
    intact: bool


def default_path(ref: str) -> Path:
    """``RF-2026-0001-dossier.zip`` in the folder the app was started from, or in the
    user's home when that folder cannot be written to."""
    here = Path.cwd()
    folder = here if os.access(here, os.W_OK) else Path.home()
    return folder / f"{ref}-dossier.zip"


def zip_path(value: str, ref: str) -> Path:
    """The file a typed path names: ``~`` expanded, a folder gets the default file name,
    ``.zip`` added when missing; refused when its folder does not exist."""
    path = Path(value).expanduser().absolute()
    if path.is_dir():
        path = path / default_path(ref).name
    elif path.suffix.lower() != ".zip":
        path = path.with_name(path.name + ".zip")
    if not path.parent.is_dir():
        raise InvalidInput(Text(
            "目录 {dir} 不存在：请先创建，或换一个路径。",
            "The folder {dir} does not exist: create it or choose another path.",
        ).format(dir=str(path.parent)))
    return path


class DossierDialog(FormDialog[DossierWritten | None]):
    """Returns where the dossier was written (``None`` when cancelled)."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [
        ("folder", "path"), ("Cannot write", "path"),
    ]

    def __init__(self, ctx: Any, ref: str, lang: Lang) -> None:
        self.ref = ref
        super().__init__(ctx, lang)

    def heading(self) -> str:
        return t("dossier.title", self.lang, ref=self.ref)

    def hint(self) -> str:
        return t("dossier.hint", self.lang)

    def make_fields(self) -> list[Field]:
        lang = self.lang
        languages = Select([("中文 (zh)", "zh"), ("English (en)", "en")], value="zh",
                           allow_blank=False, compact=True)
        return [
            Field("path", t("field.save_to", lang),
                  Input(str(default_path(self.ref)), compact=True),
                  lambda value: zip_path(value, self.ref)),
            Field("lang", t("field.dossier_lang", lang), languages),
        ]

    def save(self, values: dict[str, Any]) -> DossierWritten | None:
        from notifications.dossier import make_dossier
        from tui.files import write_atomically

        built = make_dossier(self.ctx, self.ref, values["lang"])
        write_atomically(values["path"], built.data)
        return DossierWritten(self.ref, values["path"], built.evidence_count,
                              built.verification.ok)
