"""Record what happened to a case and when: the fields of ``refundflow case event``."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.widgets import Input, Select

from cases.vocabulary import USER_EVENTS, EventKind
from tui.dialogs.form import CaseFormDialog, Field, pick
from tui.i18n_tui import t


class EventDialog(CaseFormDialog[tuple[str, str] | None]):
    """Returns (reference, what was recorded in words)."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [
        ("in the future", "at"),
        ("before the payment", "at"),
        ("cannot come before", "at"),
        ("amount", "amount"),
        ("rung", "rung"),
        ("{ref} is {stage}", "event"),
        ("live refund application", "event"),
    ]

    def heading(self) -> str:
        return t("event.title", self.lang, ref=self.ref)

    def make_fields(self) -> list[Field]:
        from cases import ladder
        from cases.parsing import parse_amount

        lang = self.lang
        events = pick(*[(e.label(lang), e.value) for e in USER_EVENTS], prompt=t("choose", lang))
        rungs = pick(*[(r.name.render(lang), r.key) for r in ladder.RUNGS],
                     prompt=t("form.optional", lang))
        amount = Field("amount", t("field.received", lang),
                       Input(compact=True, placeholder="128.00"), parse_amount, optional=True)

        def text(name: str, **kw: Any) -> Field:
            return Field(name, t(f"field.{name}", lang), Input(compact=True, **kw),
                         optional=True)

        return [
            Field("event", t("field.event", lang), events, parse=EventKind),
            Field("at", t("field.at", lang), Input(compact=True), self.case_time),
            text("note"),
            amount,
            text("refund_no"),
            text("ticket"),
            Field("rung", t("field.rung", lang), rungs, optional=True),
        ]

    def case_loaded(self, case: Any) -> None:
        from cases.model import ALLOWED_FROM

        lang = self.lang
        now = self.ctx.clock.now().astimezone(case.tz)
        at = self.fields["at"].widget
        assert isinstance(at, Input)
        if not at.value:
            at.value = now.strftime("%Y-%m-%d %H:%M")
        # The events this stage allows come first; the others stay (the refusal explains).
        allowed = [e for e in USER_EVENTS if case.stage in ALLOWED_FROM[e]]
        others = [e for e in USER_EVENTS if e not in allowed]
        events = self.fields["event"].widget
        assert isinstance(events, Select)
        events.set_options([(e.label(lang), e.value) for e in allowed + others])

    def save(self, values: dict[str, Any]) -> tuple[str, str] | None:
        from cases.model import EventInput
        from cases.services import record_event

        ctx = self.ctx
        what = EventInput(
            kind=values["event"],
            at=values["at"],
            note=values["note"],
            amount=values["amount"],
            refund_no=values["refund_no"],
            ticket=values["ticket"],
            rung=values["rung"],
        )
        updated = record_event(ctx, self.ref, what, actor=ctx.settings.who)
        return updated.ref, what.kind.label(self.lang)
