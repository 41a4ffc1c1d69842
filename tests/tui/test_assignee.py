"""``w`` on the case page hands the case to someone else on the team, or to nobody, as
``refundflow case set REF --assignee NAME`` does: on the timeline, with who had it before."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from cases import services
from cases.vocabulary import EventKind
from tests.tui.conftest import open_case, screen_text, seed, settle, until
from tests.tui.test_dossier import notices
from tests.tui.test_province import error_of, type_into
from tui.dialogs.assignee import AssigneeDialog
from tui.screens.case import CaseScreen

pytestmark = pytest.mark.asyncio


async def open_assignee_dialog(pilot: Any) -> AssigneeDialog:
    app = pilot.app
    await pilot.press("w")
    await until(pilot, lambda: isinstance(app.screen, AssigneeDialog)
                and app.screen.case is not None)
    assert isinstance(app.screen, AssigneeDialog)
    return app.screen


async def test_w_hands_the_case_over_and_clears_it(make_app: Any, tui_ctx: Any) -> None:
    ref = seed(tui_ctx)["waiting"]  # handled by 李娜
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_case(pilot, ref)
        assert "负责人" in screen_text(app) and "w 更换负责人" in screen_text(app)
        dialog = await open_assignee_dialog(pilot)
        field = dialog.fields["assignee"].widget
        assert isinstance(field, Input) and field.value == "李娜"  # the case's own

        await type_into(pilot, field, "李" * 201)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AssigneeDialog)  # refused under the field, kept open
        assert "负责人名称过长" in error_of(dialog, "assignee")
        assert services.get_case(tui_ctx, ref).assignee == "李娜"

        await type_into(pilot, field, "王芳")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await until(pilot, lambda: f"{ref}：现由 王芳 负责" in notices(app))
        case = services.get_case(tui_ctx, ref)
        last = case.events[-1]
        assert (case.assignee, last.kind) == ("王芳", EventKind.ASSIGNEE_CHANGED)
        assert last.data == {"assignee": "王芳", "was": "李娜"}
        await until(pilot, lambda: "王芳" in screen_text(app))  # the page read it again

        field = (await open_assignee_dialog(pilot)).fields["assignee"].widget
        assert isinstance(field, Input)
        field.value = ""
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: f"{ref}：已清除负责人" in notices(app))
        assert services.get_case(tui_ctx, ref).assignee is None
