"""The first screen answers "what needs me now?": every case, most urgent first."""

from __future__ import annotations

from typing import Any

import pytest

from cases import services
from cases.vocabulary import Stage
from tests.tui.conftest import T, make_ctx, new_case, screen_text, seed, settle, until
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.asyncio


def rows_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("RF-")]


async def test_every_case_with_its_next_deadline_most_urgent_first(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        rows = rows_of(text)
        # overdue first, then the 24-hour supplement, then the review; the draft has nothing due
        assert [row.split()[0] for row in rows] == [
            refs["overdue"], refs["asked"], refs["waiting"], refs["draft"]]
        overdue, asked, waiting, draft = rows
        for needle in ("云盘卡盟", "KM20260921002", "298.00 CNY", "awaiting review",
                       "platform review 2026-09-24 24:00", "overdue 10d"):
            assert needle in overdue
        assert "supplement material 2026-10-06 09:30" in asked and "in 23h 30m" in asked
        assert "2026-10-10 24:00" in waiting and "in 5d 14h" in waiting
        assert "闲鱼" in draft and "9.90 CNY" in draft and "draft" in draft and "—" in draft
        assert "4 cases" in text and "service: not running" in text
        # the list agrees with the command line's order
        assert [row.split()[0] for row in rows] == [
            s.ref for s in services.list_cases(tui_ctx)]


async def test_overdue_is_red_and_says_so(make_app: Any, tui_ctx: Any) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        table.action_jump(-1)  # the cursor (highlighted) off the first row
        await settle(pilot)
        strip = table.render_line(1)  # first row, under the header
        cells = {seg.text.strip(): seg.style for seg in strip if seg.text.strip()}
        late = next(style for text, style in cells.items() if text.startswith("overdue"))
        plain = cells[refs["overdue"]]
        assert late.color is not None and late.color != plain.color
        assert late.color.triplet is not None and late.color.triplet.red > 150
        assert "overdue" in screen_text(app)  # without colour it still says so


async def test_provisional_dates_are_marked(make_app: Any, home: Any) -> None:
    # On 2026-12-30 a review runs into 2027, a year without official holiday data yet.
    now = T("2026-12-30T10:00:00+08:00")
    ctx = make_ctx(home, now=now)
    services.add_case(ctx, new_case("P-1", paid_at=T("2026-12-29T10:00:00+08:00"),
                                    submitted_at=T("2026-12-30T09:00:00+08:00")))
    app = make_app(now=now)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "2027-01-05 24:00 *" in text
        assert "* provisional: no official holiday notice yet" in text


async def test_an_empty_database_shows_how_to_begin(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "No cases yet" in text
        assert "n  new case" in text and "i  import a CSV" in text
        assert "refundflow import FILE.csv" in text


async def test_fits_80_columns_and_uses_the_room_of_a_wide_terminal(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        narrow = rows_of(screen_text(app))
        assert all(len(row.rstrip()) <= 80 for row in narrow)
        first = narrow[0]
        for needle in (refs["overdue"], "云盘卡盟", "KM2026092100", "298.00", "overdue 10d"):
            assert needle in first
        await pilot.resize_terminal(200, 40)
        await settle(pilot)
        wide = screen_text(app)
        assert "Assignee" in wide and "张伟" in rows_of(wide)[0]
        assert "platform review 2026-09-24 24:00" in wide


async def test_chinese_columns_line_up(make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        from rich.cells import cell_len

        lines = [line for line in text.splitlines() if line.startswith(("编号", "RF-"))]
        assert lines[0].startswith("编号")
        # every row's amount column ends at the same terminal cell
        ends = {cell_len(line[: line.index(" CNY")]) for line in lines[1:]}
        assert len(ends) == 1, lines
        assert "已逾期 10天" in text and "等待审核" in text and "云盘卡盟" in text


async def test_moving_and_opening_with_the_keyboard(make_app: Any, tui_ctx: Any) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert f"refundflow · {refs['waiting']}" in text
        assert "3 working days after 2026-09-30 18:00" in text  # the rule behind the date
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(CaseTable).current_ref == refs["waiting"]


async def test_a_change_made_elsewhere_shows_up_without_a_restart(
    make_app: Any, tui_ctx: Any, home: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app(poll_seconds=0.1)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        other = make_ctx(home)  # another process: its own engine on the same database
        try:
            services.record_event(other, refs["waiting"], _approved())
            added = services.add_case(other, new_case("NEW-1", platform="发卡网")).ref
        finally:
            other.engine.dispose()
        await until(pilot, lambda: added in screen_text(app))
        await until(pilot, lambda: "approved, awaiting arrival" in screen_text(app))
        assert "5 cases" in screen_text(app)
        assert services.get_case(tui_ctx, refs["waiting"]).stage == Stage.APPROVED


def _approved() -> Any:
    from cases.model import EventInput
    from cases.vocabulary import EventKind

    return EventInput(EventKind.APPROVED, T("2026-10-05T09:00:00+08:00"))
