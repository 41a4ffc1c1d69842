"""Fixtures for the terminal UI: a frozen clock, a private home, a fake service, a steady
cursor, and the user's own terminal settings (NO_COLOR, TEXTUAL_*) kept out."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from cases import services
from cases.bootstrap import Context, bootstrap
from cases.model import EventInput
from cases.ports import FixedClock
from cases.services import NewCase
from cases.settings import Settings
from cases.vocabulary import Channel, EventKind, Reason
from tui.app import RefundflowApp
from tui.widgets.service import ServiceControl

T = datetime.fromisoformat


class FakeService(ServiceControl):
    """The background service as a test wants it: a status, and a count of start requests."""

    def __init__(self, status: dict[str, Any] | None = None) -> None:
        self.state = status
        self.started = 0

    def ensure_running(self) -> None:
        self.started += 1

    def status(self) -> dict[str, Any] | None:
        return self.state


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's terminal preferences stay out; cursors do not blink (snapshots are stable)."""
    for key in list(os.environ):
        user_setting = key.startswith("TEXTUAL") and not key.startswith("TEXTUAL_SNAPSHOT")
        if user_setting or key in ("NO_COLOR", "FORCE_COLOR", "COLORTERM"):
            monkeypatch.delenv(key)
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor", lambda self: None, raising=False)


def make_ctx(home: Path, lang: str = "en", now: datetime | None = None) -> Context:
    settings = Settings(home=home, lang=lang, tz="Asia/Shanghai", actor="tester")
    return bootstrap(settings, FixedClock(now or T("2026-10-05T10:00:00+08:00")))


@pytest.fixture
def tui_ctx(home: Path) -> Iterator[Context]:
    ctx = make_ctx(home)
    yield ctx
    if "engine" in ctx.__dict__:
        ctx.engine.dispose()


@pytest.fixture
def make_app(home: Path) -> Iterator[Callable[..., RefundflowApp]]:
    """Build the app on the test's home: ``make_app(lang="zh", service=FakeService(...))``."""
    made: list[Context] = []

    def build(lang: str = "en", service: ServiceControl | None = None,
              now: datetime | None = None, poll_seconds: float = 0.2) -> RefundflowApp:
        ctx = make_ctx(home, lang, now)
        made.append(ctx)
        return RefundflowApp(ctx, service or FakeService(), start_service=False,
                             poll_seconds=poll_seconds, service_delay=0.0)

    yield build
    for ctx in made:
        if "engine" in ctx.__dict__:
            ctx.engine.dispose()


def new_case(order: str, **changes: Any) -> NewCase:
    fields: dict[str, Any] = dict(
        platform="115卡盟", order_no=order, product="腾讯视频会员年卡", amount=Decimal("128.00"),
        currency="CNY", channel=Channel.ALIPAY, reason=Reason.NOT_AS_DESCRIBED,
        paid_at=T("2026-09-20T10:00:00+08:00"), zone="Asia/Shanghai",
    )
    fields.update(changes)
    return NewCase(**fields)


def seed(ctx: Context) -> dict[str, str]:
    """Five cases at 2026-10-05 10:00 (Shanghai), by what a user would call them."""
    add = lambda new: services.add_case(ctx, new, actor="tester").ref  # noqa: E731
    refs = {
        # submitted 09-30 18:00: review due 10-10 24:00 (after the National Day holiday)
        "waiting": add(new_case("KM20260930001", merchant="星辰数码", assignee="李娜",
                                submitted_at=T("2026-09-30T18:00:00+08:00"))),
        # submitted 09-21: review due 09-24 24:00, overdue
        "overdue": add(new_case("KM20260921002", platform="云盘卡盟", product="百度网盘超级会员",
                                amount=Decimal("298.00"), assignee="张伟",
                                submitted_at=T("2026-09-21T09:00:00+08:00"))),
        # a draft with nothing due
        "draft": add(new_case("YP-5521", platform="闲鱼", product="永久VIP激活码",
                              amount=Decimal("9.90"))),
    }
    asked = add(new_case("KM20261004017", product="爱奇艺黄金会员年卡",
                         submitted_at=T("2026-10-01T09:00:00+08:00")))
    services.record_event(ctx, asked, EventInput(EventKind.SUPPLEMENT_REQUESTED,
                                                 T("2026-10-05T09:30:00+08:00")), actor="tester")
    refs["asked"] = asked  # supplement due 10-06 09:30, in 23h 30m
    return refs


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text (no colours)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()


async def settle(pilot: Pilot[Any], timeout: float = 15.0) -> None:
    """Wait until no worker runs and the messages they posted have been handled.

    Not ``workers.wait_for_complete()``: it raises when an exclusive worker is replaced
    by a newer one, which the app does on purpose (a newer poll, a newer filter).
    """
    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        await pilot.pause(0.01 if quiet else 0.02)
        busy = any(w.is_running for w in app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
    raise AssertionError("the app did not settle: " + repr(list(app.workers)))


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (a poll, a worker, a repaint)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("condition not met in time:\n" + screen_text(pilot.app))


async def open_case(pilot: Pilot[Any], ref: str) -> Any:
    """Select ``ref`` on the caseload and open its case page (a ``CaseScreen``)."""
    from tui.screens.case import CaseScreen
    from tui.widgets.case_table import CaseTable

    app = pilot.app
    await settle(pilot)
    app.screen.query_one(CaseTable).select(ref)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen
