"""Reminders through APScheduler on real databases, received by a real SMTP server.

The scheduler is started paused, so the test sees the jobs ``install`` armed and fires
them itself at the frozen clock's time; one test runs a live scheduler on the real clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from icalendar import Calendar

from cases import services
from cases.bootstrap import Context, bootstrap
from cases.model import EventInput
from cases.outbox import NoticeKind, NoticeStatus
from cases.outbox_services import list_notices
from cases.ports import SystemClock
from cases.settings import Settings
from cases.vocabulary import Channel, EventKind, Reason
from notifications import scheduler as reminders
from notifications.outbox import Dispatcher
from tests.integration.test_mail import at, mail_ctx
from tests.mailserver import MailServer, attachments, body_text

T = datetime.fromisoformat
SUBMITTED = T("2026-10-05T09:00:00+08:00")


def case_due_in(ctx: Context, review: str, order: str = "KM7001",
                submitted: datetime = SUBMITTED) -> str:
    """A case submitted at ``submitted`` whose review deadline is ``review`` later."""
    return services.add_case(ctx, services.NewCase(
        platform="115卡盟", order_no=order, product="腾讯视频VIP 年卡", amount=Decimal("178.00"),
        currency="CNY", channel=Channel.WECHAT, reason=Reason.NOT_ACTIVATED,
        paid_at=submitted - timedelta(hours=1), zone="Asia/Shanghai",
        rule_overrides={"review": review}, submitted_at=submitted,
    )).ref


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    with MailServer(tmp_path / "maildir") as running:
        yield running


@pytest.fixture
def paused() -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def jobs(scheduler: BackgroundScheduler) -> dict[str, datetime]:
    return {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore=reminders.JOBSTORE)}


def fire(scheduler: BackgroundScheduler, job_id: str) -> None:
    job = scheduler.get_job(job_id, jobstore=reminders.JOBSTORE)
    assert job is not None, jobs(scheduler)
    job.func(*job.args, **job.kwargs)


def test_install_arms_the_reminders_of_the_next_hours_and_a_job_sends_one(
    ctx: Context, server: MailServer, paused: BackgroundScheduler
) -> None:
    mail = mail_ctx(ctx, server)
    at(mail, T("2026-10-05T10:00:00+08:00"))
    ref = case_due_in(mail, "30 hours")  # due 2026-10-06 15:00

    reminders.install(paused, mail)

    armed = jobs(paused)
    assert {"dispatch", "replan", "digest"} <= set(armed)
    assert "remind@2026-10-05T07:00:00+00:00" in armed  # 24 h before, 15:00 local
    assert not any(k.startswith(("remind@2026-10-06", "due@")) for k in armed)  # > 26 h away
    digest = armed["digest"].astimezone(reminders.zone("Asia/Shanghai"))  # on the real clock
    assert (digest.hour, digest.minute) == (8, 30)

    at(mail, T("2026-10-05T15:00:00+08:00"))
    fire(paused, "remind@2026-10-05T07:00:00+00:00")

    [message] = server.messages()
    assert message["Subject"] == f"【退款提醒】{ref} 平台审核 2026-10-06 15:00 到期（还有 1 天）"
    text = body_text(message)
    assert "平台审核还有 1 天 到期" in text
    assert "平台审核：2026-10-06 15:00（Asia/Shanghai 时间）" in text
    assert f"refundflow case event {ref} approved / rejected" in text  # what to do meanwhile
    [(name, ics)] = attachments(message).items()
    assert name == f"{ref}-review-1.ics"
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("DTSTART") == T("2026-10-06T15:00:00+08:00")
    [notice] = list_notices(mail)
    assert (notice.kind, notice.status) == (NoticeKind.REMINDER, NoticeStatus.SENT)
    assert notice.dedupe_key == f"{ref}/review#1/remind-24h@20261006T0700Z"


def test_a_restart_catches_up_a_reminder_missed_while_down_and_only_once(
    ctx: Context, server: MailServer, paused: BackgroundScheduler
) -> None:
    mail = mail_ctx(ctx, server)
    at(mail, T("2026-10-05T10:00:00+08:00"))
    ref = case_due_in(mail, "30 hours")
    at(mail, T("2026-10-05T16:30:00+08:00"))  # the 24-hour reminder (15:00) passed while down

    reminders.install(paused, mail)
    assert "dispatch-now" in jobs(paused)
    fire(paused, "dispatch-now")
    [message] = server.messages()
    assert "还有 22 小时 30 分钟" in message["Subject"] or "还有 22 小时" in message["Subject"]
    assert ref in message["Subject"]

    reminders.install(paused, mail)  # another restart: nothing new to send
    Dispatcher(mail).run()
    assert len(server.messages()) == 1


def test_a_reminder_whose_deadline_was_met_meanwhile_is_dropped_not_sent(
    ctx: Context, server: MailServer, paused: BackgroundScheduler
) -> None:
    mail = mail_ctx(ctx, server, smtp_host=None)  # no SMTP yet: reminders wait in the outbox
    at(mail, T("2026-10-05T10:00:00+08:00"))
    ref = case_due_in(mail, "30 hours")
    reminders.install(paused, mail)
    at(mail, T("2026-10-05T15:00:00+08:00"))
    fire(paused, "remind@2026-10-05T07:00:00+00:00")
    assert [n.status for n in list_notices(mail)] == [NoticeStatus.HELD]

    at(mail, T("2026-10-05T15:10:00+08:00"))
    services.record_event(mail, ref, EventInput(EventKind.APPROVED, T("2026-10-05T15:10:00+08:00")))
    report = Dispatcher(mail_ctx(ctx, server)).run()
    assert (report.sent, report.cancelled) == (0, 1)
    [notice] = list_notices(mail)
    assert notice.status == NoticeStatus.CANCELLED
    assert notice.last_error == "not sent: the deadline is met already"
    assert server.messages() == []


def test_quiet_hours_hold_a_night_notice_until_morning_unless_the_deadline_is_at_night(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    at(mail, T("2026-10-05T10:00:00+08:00"))
    evening = case_due_in(mail, "9 hours", "KM-EVENING")  # due 18:00
    night = case_due_in(mail, "14 hours", "KM-NIGHT")  # due 23:00
    at(mail, T("2026-10-05T23:30:00+08:00"))  # the service comes back at 23:30
    services.handle_due_deadlines(mail)

    report = Dispatcher(mail).run()
    assert (report.sent, report.deferred) == (1, 1)
    [first] = server.messages()
    assert night in first["Subject"]  # its deadline is in the night: it goes now
    held = next(n for n in list_notices(mail) if n.case_ref == evening)
    assert held.status == NoticeStatus.QUEUED
    assert held.next_attempt_at == T("2026-10-06T08:00:00+08:00")

    at(mail, T("2026-10-06T08:00:00+08:00"))
    assert Dispatcher(mail).run().sent == 1
    assert evening in server.messages()[1]["Subject"]


def test_an_untouched_missed_deadline_is_reminded_daily_until_something_is_recorded(
    ctx: Context, server: MailServer, paused: BackgroundScheduler
) -> None:
    mail = mail_ctx(ctx, server, remind_overdue_days=3, lang="en")
    at(mail, T("2026-10-05T10:00:00+08:00"))
    ref = case_due_in(mail, "6 hours")  # due 15:00
    at(mail, T("2026-10-05T15:00:01+08:00"))
    services.handle_due_deadlines(mail)
    Dispatcher(mail).run()  # the deadline-missed mail
    at(mail, T("2026-10-06T15:30:00+08:00"))  # a day later, nobody did anything

    reminders.install(paused, mail)
    fire(paused, "dispatch-now")
    overdue = server.messages()[-1]
    assert overdue["Subject"] == f"[refundflow] {ref}: platform review overdue by 1 day"
    assert "nothing has been recorded on the case since" in body_text(overdue)
    assert "Do it now:" in body_text(overdue)

    at(mail, T("2026-10-06T16:00:00+08:00"))
    services.record_event(mail, ref, EventInput(EventKind.APPROVED, T("2026-10-06T16:00:00+08:00")))
    at(mail, T("2026-10-07T16:00:00+08:00"))
    reminders.refresh(paused, mail)
    assert not any(k.startswith("remind@") for k in jobs(paused))
    Dispatcher(mail).run()
    assert len(server.messages()) == 2


def test_the_morning_digest_lists_every_case_that_needs_someone_today(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    at(mail, T("2026-10-05T10:00:00+08:00"))
    today = case_due_in(mail, "10 hours", "KM-TODAY")  # due 19:00 today
    later = case_due_in(mail, "5 days", "KM-LATER")
    assert reminders.queue_digest(mail) == 1
    assert reminders.queue_digest(mail) == 0  # once a day
    Dispatcher(mail).run()
    [digest] = server.messages()
    assert digest["Subject"] == "【退款提醒】今日待办：1 个案件需要处理（2026-10-05）"
    text = body_text(digest)
    assert today in text and "KM-TODAY" in text and "平台审核：2026-10-05 19:00" in text
    assert later not in text


def test_a_live_scheduler_sends_a_reminder_on_the_real_clock(
    tmp_path: Path, server: MailServer, db_url: str
) -> None:
    settings = Settings(
        home=tmp_path / "live", database_url=db_url, lang="zh", smtp_host="127.0.0.1",
        smtp_port=server.port, smtp_security="none", mail_from="refundflow@example.test",
        notify_to="alice@example.test", quiet_hours="", digest_at="",
    )
    live = bootstrap(settings, SystemClock())
    ref = case_due_in(live, "7203 seconds", submitted=datetime.now(UTC) - timedelta(seconds=1))
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    try:
        reminders.install(scheduler, live)  # the 2-hour reminder falls in about 2 seconds
        deadline = time.monotonic() + 30
        while not server.messages() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
        live.engine.dispose()
    [message] = server.messages()
    assert message["Subject"].startswith(f"【退款提醒】{ref} 平台审核")
    assert "（还有 2 小时）" in message["Subject"]
    assert attachments(message)
