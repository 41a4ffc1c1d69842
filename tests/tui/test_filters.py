"""Narrowing the caseload: stage, platform, overdue, assignee, and search as you type."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Checkbox, Select

from tests.tui.conftest import screen_text, seed, settle
from tui.dialogs.filters import FilterDialog

pytestmark = pytest.mark.asyncio


def shown(app: Any) -> list[str]:
    return [line.split()[0] for line in screen_text(app).splitlines() if line.startswith("RF-")]


async def test_search_by_order_product_or_merchant_as_you_type(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"yp-55")  # an order number, any case
        await settle(pilot)
        assert shown(app) == [refs["draft"]]
        assert "1 of 4 cases" in screen_text(app)
        search = app.screen.query_one("#search")
        search.value = "百度网盘"  # a product
        await settle(pilot)
        assert shown(app) == [refs["overdue"]]
        search.value = "星辰"  # a merchant
        await settle(pilot)
        assert shown(app) == [refs["waiting"]]
        search.value = "115卡盟 km2026"  # every word must match, the platform is not searched
        await settle(pilot)
        assert shown(app) == []
        assert "No case matches; x clears the filters" in screen_text(app)
        await pilot.press("enter", "x")  # back to the list, clear everything
        await settle(pilot)
        assert len(shown(app)) == 4 and search.value == ""


async def test_overdue_only_from_one_key(make_app: Any, tui_ctx: Any) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert shown(app) == [refs["overdue"]]
        assert "overdue only" in screen_text(app)
        await pilot.press("o")
        await settle(pilot)
        assert len(shown(app)) == 4


async def test_stage_platform_and_assignee_from_the_filter_dialog(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#stage", Select).value = "submitted"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(app) == [refs["overdue"], refs["waiting"]]
        assert "stage: awaiting review" in screen_text(app)

        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#stage", Select).value == "submitted"  # what is set shows
        dialog.query_one("#stage", Select).clear()
        dialog.query_one("#platform", Select).value = "115卡盟"
        dialog.query_one("#assignee", Select).value = "李娜"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(app) == [refs["waiting"]]
        text = screen_text(app)
        assert "platform: 115卡盟" in text and "assignee: 李娜" in text

        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#assignee", Select).value = "\x00unassigned"
        app.screen.query_one("#overdue", Checkbox).value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(app) == [refs["asked"]]  # 115卡盟 and nobody assigned
        await pilot.press("f", "escape")  # cancelling changes nothing
        await settle(pilot)
        assert shown(app) == [refs["asked"]]
