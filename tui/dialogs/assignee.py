"""Who handles a case, for a team: ``refundflow case set REF --assignee NAME`` as a dialog on
the case page (``w``). The field holds the case's assignee; emptied, the case has none. The
change goes on the timeline, with who had it before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.widgets import Input, Static

from tui.dialogs.form import CaseFormDialog, Field
from tui.i18n_tui import t


@dataclass(frozen=True)
class AssigneeSet:
    """What the case page says once saved (``name`` None: nobody handles the case now)."""

    ref: str
    name: str | None


class AssigneeDialog(CaseFormDialog[AssigneeSet | None]):
    """Hand one case to someone else on the team, or to nobody."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [("assignee's name", "assignee")]

    def heading(self) -> str:
        return t("assignee.title", self.lang, ref=self.ref)

    def hint(self) -> str:
        return t("assignee.hint", self.lang)

    def make_fields(self) -> list[Field]:
        return [Field("assignee", t("field.assignee", self.lang),
                      Input(compact=True, placeholder="李娜"), optional=True)]

    def case_loaded(self, case: Any) -> None:
        widget = self.fields["assignee"].widget
        assert isinstance(widget, Input)
        widget.value = case.assignee or ""
        widget.cursor_position = len(widget.value)
        self.query_one("#hint", Static).update(self.hint())  # not the zone: no time here

    def save(self, values: dict[str, Any]) -> AssigneeSet | None:
        from cases.services import change_details

        ctx = self.ctx
        case = change_details(ctx, self.ref, assignee=values["assignee"], actor=ctx.settings.who)
        return AssigneeSet(case.ref, case.assignee)
