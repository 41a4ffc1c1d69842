"""The user's province in the terminal app: an optional field of the new-case form, and
``p`` on a case page to set, change or clear it; a name refundflow does not know is shown
under the field in the command line's words and nothing is saved. The case page's footer
keeps ``? Keys`` at 80 columns."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from cases import services
from cases.i18n import RefundflowError
from cases.vocabulary import EventKind
from tests.tui.conftest import open_case, screen_text, seed, settle, until
from tests.tui.test_dossier import notices
from tui.dialogs.form import FormDialog
from tui.dialogs.province import ProvinceDialog
from tui.screens.case import CaseScreen

pytestmark = pytest.mark.asyncio


def error_of(dialog: Any, name: str) -> str:
    return " ".join(str(dialog.query_one(f"#error-{name}", Static).render()).split())


def cli_words(ctx: Any, name: str, lang: str = "en") -> str:
    """What ``refundflow case add --province NAME`` prints for the same name."""
    try:
        ctx.provinces.find(name)
    except RefundflowError as exc:
        return " ".join(exc.render(lang).split())  # type: ignore[arg-type]
    raise AssertionError(f"{name} was accepted")


async def type_into(pilot: Any, widget: Input, text: str) -> None:
    widget.focus()
    await pilot.pause()
    widget.value = text[:-2]
    await pilot.press("end", *text[-2:])
    await settle(pilot)


async def open_province_dialog(pilot: Any) -> ProvinceDialog:
    """``p`` on the case page, once the dialog has read the case."""
    app = pilot.app
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, ProvinceDialog)
                and app.screen.case is not None)
    assert isinstance(app.screen, ProvinceDialog)
    return app.screen


async def new_case_form(pilot: Any) -> tuple[FormDialog[Any], Input]:
    """``n`` on the caseload: the form and its province field."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog)
    field = dialog.fields["province"].widget
    assert isinstance(field, Input)
    return dialog, field


async def test_the_new_case_form_takes_a_province_by_any_name(
    make_app: Any, tui_ctx: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog, field = await new_case_form(pilot)
        assert "Your province" in screen_text(app)

        await type_into(pilot, field, "Guangdon")
        assert error_of(dialog, "province") == cli_words(tui_ctx, "Guangdon")
        assert "did you mean Guangdong?" in error_of(dialog, "province")
        await pilot.press("ctrl+s")  # refused with the rest; nothing saved
        await settle(pilot)
        assert isinstance(app.screen, FormDialog) and services.list_cases(tui_ctx) == []

        await type_into(pilot, field, "广东省")
        assert error_of(dialog, "province") == ""
        f = {name: item.widget for name, item in dialog.fields.items()}
        f["platform"].value, f["order"].value, f["product"].value = "115卡盟", "K-1", "会员"
        f["amount"].value, f["paid_at"].value = "10", "2026-10-01 10:00"
        f["channel"].value, f["reason"].value = "wechat", "other"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, FormDialog))
        (row,) = services.list_cases(tui_ctx)
        case = services.get_case(tui_ctx, row.ref)
        assert case.province == "广东"  # as the table names it
        assert case.events[0].data["province"] == "广东"


async def test_the_form_suggests_the_rest_of_a_name(make_app: Any, tui_ctx: Any) -> None:
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 40)) as pilot:
        _, field = await new_case_form(pilot)
        assert field.suggester is not None
        await type_into(pilot, field, "Inner Mo")
        await pilot.press("right")  # accept the suggestion
        await settle(pilot)
        assert field.value.lower() == "inner mongolia"
        assert error_of(app.screen, "province") == ""


async def test_p_on_the_case_page_sets_changes_and_clears_the_province(
    make_app: Any, tui_ctx: Any
) -> None:
    ref = seed(tui_ctx)["waiting"]
    services.set_province(tui_ctx, ref, "江苏")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_case(pilot, ref)
        dialog = await open_province_dialog(pilot)
        field = dialog.fields["province"].widget
        assert isinstance(field, Input) and field.value == "江苏"  # the case's own
        hint = str(dialog.query_one("#hint", Static).render())
        assert "small-claims cap ¥60,862.00" in hint and "threshold not known" in hint

        await type_into(pilot, field, "Atlantis")
        assert error_of(dialog, "province") == cli_words(tui_ctx, "Atlantis")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProvinceDialog)
        assert services.get_case(tui_ctx, ref).province == "江苏"  # nothing saved

        await type_into(pilot, field, "Guangdong")
        assert error_of(dialog, "province") == ""
        hint = " ".join(str(dialog.query_one("#hint", Static).render()).split())
        assert hint == ("Guangdong: fraud 'large amount' threshold not known (the national "
                        "range ¥3,000 to ¥10,000 applies); small-claims cap not known (ask the "
                        "local court)")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await until(pilot, lambda: f"{ref}: province set to Guangdong" in notices(app))
        case = services.get_case(tui_ctx, ref)
        last = case.events[-1]
        assert case.province == "广东" and last.kind == EventKind.PROVINCE_CHANGED
        assert last.data == {"province": "广东", "was": "江苏"}
        await until(pilot, lambda: "广东" in screen_text(app))  # the page read it again

        field = (await open_province_dialog(pilot)).fields["province"].widget
        assert isinstance(field, Input)
        field.value = ""
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: f"{ref}: province cleared" in notices(app))
        assert services.get_case(tui_ctx, ref).province is None


async def test_the_province_dialog_speaks_chinese(make_app: Any, tui_ctx: Any) -> None:
    ref = seed(tui_ctx)["waiting"]
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_case(pilot, ref)
        dialog = await open_province_dialog(pilot)
        assert f"{ref}：所在省份" in screen_text(app)
        field = dialog.fields["province"].widget
        assert isinstance(field, Input)
        await type_into(pilot, field, "火星")
        assert error_of(dialog, "province") == cli_words(tui_ctx, "火星", "zh")
        await type_into(pilot, field, "北京")
        assert "北京（北京市）：诈骗罪“数额较大”标准未知" in str(
            dialog.query_one("#hint", Static).render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: f"{ref}：所在省份已设为 北京" in notices(app))


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_case_page_footer_fits_80_columns_and_p_is_in_help_and_palette(
    make_app: Any, tui_ctx: Any, lang: str
) -> None:
    ref = seed(tui_ctx)["waiting"]
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, ref)
        footer = screen_text(app).splitlines()[-1]
        keys, quit_, help_ = (("esc Back", "q Quit", "? Keys") if lang == "en"
                              else ("esc 返回", "q 退出", "? 按键"))
        for needle in (keys, quit_, help_):
            assert needle in footer, footer
        hint = str(screen.query_one("#next", Static).render())  # on the page, below the fold
        assert ("p to set your province" if lang == "en" else "p 设置所在省份") in hint

        from tui.widgets.commands import RefundflowCommands

        names = [name for name, _ in RefundflowCommands(screen).commands()]
        wanted = "case: set your province" if lang == "en" else "案件：设置所在省份"
        assert any(n.startswith(wanted) and n.endswith("(p)") for n in names), names
        assert any(n.endswith("(d)") for n in names) and any(n.endswith("(n)") for n in names)
        rows = dict(screen.help_rows())
        assert rows["p"] == ("Province" if lang == "en" else "省份")
        assert "d" in rows and "n" in rows
