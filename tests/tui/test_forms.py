"""Changing cases from the keyboard: new case, record an event, attach evidence, import.

Every form checks fields as they are typed with the CLI's own sentences, in the user's
language, next to the field; a refused save leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import Input, Select, Static

from cases import services
from cases.i18n import RefundflowError
from cases.parsing import parse_amount, parse_time
from cases.vocabulary import EventKind, EvidenceKind, Stage
from tests.tui.conftest import T, screen_text, seed, settle
from tui.dialogs.form import FormDialog
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.asyncio


def error_of(dialog: Any, name: str) -> str:
    return str(dialog.query_one(f"#error-{name}", Static).render()).strip()


def cli_error(parse: Any, *args: Any, lang: str = "en") -> str:
    """The sentence the command line prints for the same input."""
    try:
        parse(*args)
    except RefundflowError as exc:
        return exc.render(lang)  # type: ignore[arg-type]
    raise AssertionError("the input was accepted")


async def type_into(pilot: Any, widget: Input, text: str) -> None:
    """Type ``text``: all but the last four keys are pasted (a Pilot key press costs ~60 ms)."""
    widget.focus()
    await pilot.pause()
    widget.value = text[:-4]
    await pilot.press("end", *text[-4:])


async def test_a_new_case_is_checked_as_you_type_and_saved_whole(
    make_app: Any, tui_ctx: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog) and "New case" in screen_text(app)
        fields = {name: f.widget for name, f in dialog.fields.items()}

        await type_into(pilot, fields["amount"], "1.5x")  # as you type: under the field
        assert error_of(dialog, "amount") == cli_error(parse_amount, "1.5x")
        await type_into(pilot, fields["paid_at"], "ayer")
        zone = ZoneInfo(tui_ctx.settings.tz)
        assert error_of(dialog, "paid_at") == cli_error(parse_time, "ayer", zone)

        await pilot.press("ctrl+s")  # refused: every missing or bad field says why
        await settle(pilot)
        assert error_of(dialog, "platform") == "Platform is missing; give a value"
        assert "fix the fields marked in red first" in error_of(dialog, "form")
        assert services.list_cases(tui_ctx) == []

        await type_into(pilot, fields["platform"], "115")
        fields["platform"].value = "115卡盟"
        fields["order"].value = "KM20261005001"
        fields["product"].value = "爱奇艺黄金会员年卡"
        await type_into(pilot, fields["amount"], "128")
        fields["paid_at"].value = "2026-10-04 21:30"
        fields["channel"].focus()  # a Select from the keyboard: open, move, choose
        await pilot.press("enter", "down", "enter")
        fields["reason"].value = "not_activated"
        await settle(pilot)
        assert error_of(dialog, "amount") == "" and error_of(dialog, "platform") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not isinstance(app.screen, FormDialog)
        (case,) = services.list_cases(tui_ctx)
        saved = services.get_case(tui_ctx, case.ref)
        assert (saved.platform, saved.order_no, str(saved.amount)) == (
            "115卡盟", "KM20261005001", "128.00")
        assert saved.channel.value == "alipay" and saved.reason.value == "not_activated"
        assert saved.paid_at == T("2026-10-04T21:30:00+08:00")
        assert app.screen.query_one(CaseTable).current_ref == case.ref
        assert case.ref in screen_text(app)


async def test_a_refused_save_is_shown_at_its_field_and_changes_nothing(
    make_app: Any, tui_ctx: Any
) -> None:
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        f = {name: item.widget for name, item in dialog.fields.items()}
        f["platform"].value, f["order"].value, f["product"].value = "115卡盟", "K-1", "会员"
        f["amount"].value, f["paid_at"].value = "10", "2026-10-09 10:00"  # in the future
        f["channel"].value, f["reason"].value = "wechat", "other"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)  # still open, nothing lost
        assert "付款时间" in error_of(dialog, "paid_at") and "在未来" in error_of(dialog, "paid_at")
        assert services.list_cases(tui_ctx) == []


async def test_recording_what_happened_with_the_time_it_happened(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(CaseTable).select(refs["waiting"])
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        f = {name: item.widget for name, item in dialog.fields.items()}
        assert f["at"].value == "2026-10-05 10:00"  # now, in the case's zone
        assert "Asia/Shanghai" in screen_text(app)
        # the events this stage allows come first
        options = [value for _, value in f["event"]._options if value is not Select.NULL]
        assert options[:4] == ["supplement_requested", "approved", "rejected", "escalated"]
        f["event"].value = "approved"
        await type_into(pilot, f["at"], "昨天上午9点15分")  # 2026-10-04 09:15
        await type_into(pilot, f["note"], "客服电话确认")
        await pilot.press("ctrl+s")
        await settle(pilot)
        case = services.get_case(tui_ctx, refs["waiting"])
        assert case.stage == Stage.APPROVED
        last = case.ordered_events()[-1]
        assert last.kind == EventKind.APPROVED and last.at == T("2026-10-04T09:15:00+08:00")
        assert last.data["note"] == "客服电话确认"
        assert "approved, awai" in screen_text(app), screen_text(app)


async def test_an_impossible_event_is_refused_in_the_form(make_app: Any, tui_ctx: Any) -> None:
    refs = seed(tui_ctx)
    before = services.get_case(tui_ctx, refs["draft"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(CaseTable).select(refs["draft"])
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        dialog.fields["event"].widget.value = "arrived"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert error_of(dialog, "event") == (
            f"{refs['draft']} is draft; record an approval before the money can arrive.")
        await type_into(pilot, dialog.fields["at"].widget, "2026-10-06 09:00")
        assert error_of(dialog, "at") == ""  # a well-formed time; the use case judges it
        dialog.fields["event"].widget.value = "submitted"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is in the future" in error_of(dialog, "at")
        after = services.get_case(tui_ctx, refs["draft"])
        assert after.stage == before.stage and len(after.events) == len(before.events)


async def test_attaching_evidence_from_a_path(
    make_app: Any, tui_ctx: Any, tmp_path: Path
) -> None:
    refs = seed(tui_ctx)
    shot = tmp_path / "订单截图.png"
    shot.write_bytes(b"\x89PNG fake screenshot")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(CaseTable).select(refs["overdue"])
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        path = dialog.fields["path"].widget
        await type_into(pilot, path, str(tmp_path / "nothing.png"))
        assert error_of(dialog, "path") == f"no file at {tmp_path / 'nothing.png'}"
        path.value = str(shot)
        dialog.fields["kind"].widget.value = EvidenceKind.PURCHASE.value
        await settle(pilot)
        assert error_of(dialog, "path") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        (item,) = services.get_case(tui_ctx, refs["overdue"]).evidence
        assert item.original_name == "订单截图.png" and item.kind == EvidenceKind.PURCHASE
        assert tui_ctx.files.digest(item.sha256) == item.sha256


async def test_importing_a_csv_from_the_empty_screen(
    make_app: Any, tui_ctx: Any, tmp_path: Path
) -> None:
    csv = tmp_path / "cases.csv"
    csv.write_text(
        "platform,order,product,amount,channel,reason,paid_at\n"
        "115卡盟,C-1,会员年卡,128,alipay,not_as_described,2026-09-29 10:00\n"
        "闲鱼,C-2,激活码,9.9,wechat,false_promise,2026-09-30 10:00\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "No cases yet" in screen_text(app)
        await pilot.press("i")
        await settle(pilot)
        await type_into(pilot, app.screen.fields["path"].widget, str(csv))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "2 cases" in text and "C-1" in text and "C-2" in text
        assert len(services.list_cases(tui_ctx)) == 2
