"""New case: the fields of ``refundflow case add``, checked as you type, saved by add_case."""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual.widgets import Input

from cases.vocabulary import Channel, Reason
from tui.dialogs.form import Field, FormDialog, choice_options, pick
from tui.dialogs.province import ERROR_FIELDS, load_suggestions, province_field
from tui.i18n_tui import t


def _usage(text: str) -> str:
    from cases.eligibility import Usage

    usage = Usage.parse(text)
    return f"{usage.used}/{usage.total} {usage.unit.value}"


class NewCaseDialog(FormDialog[str | None]):
    """Returns the new case's reference."""

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = [
        ("payment time", "paid_at"),
        ("live refund application", "order"),
        ("usage", "usage"),
        *ERROR_FIELDS,
    ]

    def heading(self) -> str:
        return t("new.title", self.lang)

    def hint(self) -> str:
        return t("form.zone", self.lang, zone=self.ctx.settings.tz)

    def on_mount(self) -> None:  # after FormDialog's (Textual calls each class's own)
        load_suggestions(self)

    def make_fields(self) -> list[Field]:
        from cases.parsing import parse_amount, parse_currency, parse_time

        lang, zone_name = self.lang, self.ctx.settings.tz
        zone = ZoneInfo(zone_name)

        def text(name: str, optional: bool = False, **kw: Any) -> Field:
            return Field(name, t(f"field.{name}", lang), Input(compact=True, **kw),
                         optional=optional)

        amount = text("amount", placeholder="128.00")
        amount.parse = parse_amount
        currency = text("currency", value="CNY")
        currency.parse = parse_currency
        paid = text("paid_at", placeholder=t("form.time_example", lang))
        paid.parse = lambda value: parse_time(value, zone, self.ctx.clock.now())[0]
        usage = text("usage", optional=True, placeholder="10/30 days")
        usage.parse = _usage
        return [
            text("platform", placeholder="115卡盟"),
            text("order"),
            text("product"),
            amount,
            currency,
            Field("channel", t("field.channel", lang),
                  pick(*choice_options(Channel, lang), prompt=t("choose", lang)),
                  parse=Channel),
            Field("reason", t("field.reason", lang),
                  pick(*choice_options(Reason, lang), prompt=t("choose", lang)),
                  parse=Reason),
            paid,
            text("merchant", optional=True),
            text("assignee", optional=True),
            province_field(self.ctx, lang),
            usage,
            text("note", optional=True),
        ]

    def save(self, values: dict[str, Any]) -> str | None:
        from cases.services import NewCase, add_case

        ctx = self.ctx
        new = NewCase(
            platform=values["platform"],
            order_no=values["order"],
            product=values["product"],
            amount=values["amount"],
            currency=values["currency"],
            channel=values["channel"],
            reason=values["reason"],
            paid_at=values["paid_at"],
            zone=ctx.settings.tz,
            merchant=values["merchant"],
            note=values["note"],
            usage=values["usage"],
            assignee=values["assignee"],
            province=values["province"],
        )
        return add_case(ctx, new, actor=ctx.settings.who).ref
