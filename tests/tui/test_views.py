"""The other views: the case page, the outbox, the service's health, help, the palette,
the language switch; and the rules every binding follows."""

from __future__ import annotations

from typing import Any

import pytest

from cases import services
from cases.outbox import Notice, NoticeKind, NoticeStatus
from tests.tui.conftest import FakeService, T, open_case, screen_text, seed, settle, until
from tui.dialogs.help import HelpDialog
from tui.screens.case import CaseScreen
from tui.screens.outbox import OutboxScreen
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.asyncio

async def test_the_case_page_reads_deadlines_rules_checklist_and_next_step(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        app.screen.query_one(CaseTable).select(refs["waiting"])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        for needle in (
            "KM20260930001", "星辰数码", "awaiting review",
            "platform review", "2026-10-10 24:00", "in 5d 14h",  # deadline and countdown
            "3 working days after 2026-09-30 18:00",  # the rule behind the date
            "Evidence checklist (Refund application on the platform)",
            "✗ purchase proof", "missing",  # what the next step still needs
            "Next step", "Refund application on the platform",
            "refund application submitted", "case created",  # the timeline
        ):
            assert needle in text, needle
        await pilot.press("l")  # the letter to send
        await settle(pilot)
        letter = app.screen.query_one("#letter").text
        assert "KM20260930001" in letter and "128.00" in letter
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen.id == "caseload"


async def test_a_drafts_page_says_which_key_starts_its_deadlines(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await open_case(pilot, refs["draft"])
        text = screen_text(app)
        assert "They start when you record the application (press e to record it)" in text
        assert "refundflow case event" not in text  # no command to type inside the TUI


async def test_the_outbox_lists_mail_sent_queued_held_and_failed(
    make_app: Any, tui_ctx: Any
) -> None:
    refs = seed(tui_ctx)
    now = tui_ctx.clock.now()
    with tui_ctx.uow() as uow:
        uow.outbox.add(Notice("a", NoticeKind.DEADLINE_MISSED, now, refs["overdue"],
                              status=NoticeStatus.SENT, sent_at=now, attempts=1))
        uow.outbox.add(Notice("b", NoticeKind.REMINDER, now, refs["asked"],
                              status=NoticeStatus.FAILED, attempts=5,
                              last_error="535 authentication failed"))
        uow.outbox.add(Notice("c", NoticeKind.REMINDER, now, refs["waiting"],
                              status=NoticeStatus.HELD))
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        text = screen_text(app)
        for needle in ("sent", "deadline_missed", refs["overdue"], "failed", "535 authentic",
                       "held (no SMTP)"):
            assert needle in text, needle
        with tui_ctx.uow() as uow:  # the dispatcher sends one meanwhile
            uow.outbox.add(Notice("d", NoticeKind.TEST, T("2026-10-05T10:05:00+08:00")))
            uow.commit()
        await until(pilot, lambda: "test" in screen_text(app))


async def test_an_empty_outbox_says_so(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "The outbox is empty" in screen_text(app)


async def test_the_service_health_line_and_dialog(make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    service = FakeService({"running": True, "pid": 4242, "prefect_api_url": "http://127.0.0.1:4200/api",
                           "health": {"prefect": "ok", "scheduler": "down"}})
    app = make_app(service=service)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "service: degraded (scheduler)" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        text = screen_text(app)
        assert "4242" in text and "http://127.0.0.1:4200/api" in text and "down" in text
        service.state = {"running": True, "pid": 4242, "health": {"prefect": "ok"}}
        await pilot.press("s")  # start: asks the service, then reads its status again
        await settle(pilot)
        assert service.started == 1
        await pilot.press("escape")
        await settle(pilot)
        assert "service: running (pid 4242)" in screen_text(app)


async def test_without_a_service_the_app_says_not_running(make_app: Any) -> None:
    app = make_app(service=FakeService(None))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "service: not running" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        assert "no background service yet" in screen_text(app)


async def test_switching_language_changes_every_word(make_app: Any, tui_ctx: Any) -> None:
    refs = seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Next deadline" in screen_text(app)
        await pilot.press("L")
        await settle(pilot)
        text = screen_text(app)
        for needle in ("编号", "平台", "下一期限", "已逾期 10天", "等待审核", "共 4 个案件",
                       "后台服务：未运行", "新建", "筛选"):
            assert needle in text, needle
        await pilot.press("enter")
        await settle(pilot)
        assert "平台审核" in screen_text(app) and "起算当日不计入" in screen_text(app)
        await pilot.press("L", "escape")
        await settle(pilot)
        text = screen_text(app)
        assert "Next deadline" in text and refs["overdue"] in text


async def test_question_mark_shows_the_keys(make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpDialog)
        text = screen_text(app)
        for needle in ("New", "Record", "Evidence", "Search", "Filter", "Overdue",
                       "Clear filters", "Import", "Outbox", "Service", "Page down",
                       "中文", "Quit", "Ctrl+P opens the command palette"):
            assert needle in text, needle


async def test_the_palette_reaches_every_action_by_area(make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        from tui.widgets.commands import RefundflowCommands

        provider = RefundflowCommands(app.screen)
        names = [name for name, _ in provider.commands()]
        assert all(n.split(":")[0] in ("case", "view", "filter", "app") for n in names)
        for action in ("new case", "open the selected case", "record what happened",
                       "attach an evidence file", "import", "outbox", "service health",
                       "search", "choose filters", "overdue only", "clear all filters",
                       "stage = draft", "platform = 闲鱼", "assignee = 张伟",
                       "switch to 中文", "show all keys", "quit"):
            assert any(action in n for n in names), action
        await pilot.press("ctrl+p", *"outbox")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)


async def test_no_color_keeps_overdue_readable(
    make_app: Any, tui_ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(tui_ctx)
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.no_color
        assert "overdue 10d" in screen_text(app)
        assert services.list_cases(tui_ctx)[0].overdue


async def test_a_q_in_a_dialog_does_not_quit(make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f", "q")  # the filter dialog: its selects take no letters
        await settle(pilot)
        assert app.is_running and "Filters" in screen_text(app)
        await pilot.press("escape", "q")
        await settle(pilot)
        assert not app.is_running
