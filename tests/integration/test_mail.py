"""Mail end to end on real databases and a real SMTP server on loopback (aiosmtpd).

A case misses its review deadline, ``handle_due_deadlines`` queues the notice, the
dispatcher sends it with yagmail, and the test reads what the server received: recipients,
subject, the case, the deadline in local time, the Chinese text, the .ics attachment.
Then the faults: a server that refuses connections, 4xx then success, 5xx, a login refused,
and two dispatchers racing.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar

from cases import services
from cases.bootstrap import Context, bootstrap
from cases.outbox import Notice, NoticeKind, NoticeStatus
from cases.outbox_services import list_notices, queue_notices, retry_notice
from cases.ports import FixedClock
from cases.settings import Settings
from cases.vocabulary import Channel, Reason
from notifications.outbox import Dispatcher
from tests.mailserver import MailServer, attachments, body_text

T = datetime.fromisoformat
MISSED_AT = T("2026-10-11T09:00:00+08:00")
"""After the review deadline (3 working days from 2026-09-30 09:00 → 2026-10-10 24:00)."""


def mail_ctx(base: Context, server: MailServer | None, **settings: object) -> Context:
    """The test's context with SMTP settings pointing at ``server`` (same database, clock)."""
    values: dict[str, object] = dict(
        home=base.settings.home, database_url=base.settings.database_url, lang="zh",
        mail_from="refundflow@example.test",
        notify_to="alice@example.test, bob@example.test", smtp_security="none",
        mail_retry_base=30, mail_retry_max=300, mail_max_tries=3,
    )
    if server is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=server.port)
    values.update(settings)
    ctx = bootstrap(Settings(**values), base.clock)  # type: ignore[arg-type]
    ctx.__dict__["engine"] = base.engine  # share the engine: one pool per database
    return ctx


def missed_case(ctx: Context, order: str = "KM1001") -> str:
    """A submitted case whose review deadline has passed and been handled (notice queued)."""
    case = services.add_case(ctx, services.NewCase(
        platform="115卡盟", order_no=order, product="爱奇艺黄金会员 月卡",
        amount=Decimal("25.00"), currency="CNY", channel=Channel.ALIPAY,
        reason=Reason.NOT_AS_DESCRIBED, paid_at=T("2026-09-29T21:10:00+08:00"),
        zone="Asia/Shanghai", merchant="星辰数码", submitted_at=T("2026-09-30T09:00:00+08:00"),
    ))
    return case.ref


def advance(ctx: Context, **delta: float) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.at = clock.at + timedelta(**delta)


def at(ctx: Context, when: datetime) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.at = when


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with MailServer(tmp_path / "maildir") as running:
        yield running


def only(ctx: Context) -> Notice:
    notices = list_notices(ctx)
    assert len(notices) == 1, notices
    return notices[0]


# ---------------------------------------------------------------------------- content
def test_a_missed_deadline_mail_arrives_with_everything_the_reader_needs(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    ref = missed_case(mail)
    at(mail, MISSED_AT)
    assert [h.ref for h in services.handle_due_deadlines(mail)] == [ref]

    report = Dispatcher(mail).run()

    assert (report.sent, report.errors) == (1, [])
    [message] = server.messages()
    [(sender, recipients)] = server.envelopes
    assert sender == "refundflow@example.test"
    assert recipients == ["alice@example.test", "bob@example.test"]
    assert message["To"] == "alice@example.test, bob@example.test"
    assert message["Subject"] == f"【退款提醒】{ref} 平台审核期限（2026-10-10 24:00）已过"
    text = body_text(message)
    for needed in (
        ref, "订单号：KM1001", "爱奇艺黄金会员 月卡", "¥25.00",
        "平台审核：2026-10-10 24:00（Asia/Shanghai 时间）",  # the deadline in local time
        "为什么是这一天：自 2026-09-30 09:00 起 3个工作日",  # why it is that date
        "refundflow 已把案件记为升级到“平台介入/仲裁”",  # what happened
        "现在就做：“平台介入/仲裁”",  # the next step
        "申诉书（申请平台介入处理）",  # the letter to send, from letters.py
        "请在 2026-10-16 24:00 前作出书面处理结果",
    ):
        assert needed in text, needed
    html = body_text(message, "html")
    assert "平台审核：2026-10-10 24:00" in html and "<pre" in html
    # The .ics: the missed deadline (stable UID) and the case's new deadline.
    [(name, data)] = attachments(message).items()
    assert name == f"{ref}-review-1.ics"
    events = Calendar.from_ical(data).walk("VEVENT")
    assert str(events[0]["UID"]) == f"{ref}.review.1@refundflow"
    assert events[0].decoded("DTSTART") == T("2026-10-11T00:00:00+08:00")
    assert "平台审核" in str(events[0]["SUMMARY"])
    assert len(events) == 2 and events[1].decoded("DTSTART") == T("2026-10-17T00:00:00+08:00")
    notice = only(mail)
    assert (notice.status, notice.attempts, notice.sent_at) == (NoticeStatus.SENT, 1, MISSED_AT)
    assert message["Message-ID"].startswith("<rf.") and message["Message-ID"].endswith(
        "@example.test>"
    )


def test_english_mail_has_a_plain_text_and_an_html_part(ctx: Context, server: MailServer) -> None:
    mail = mail_ctx(ctx, server, lang="en")
    ref = missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    Dispatcher(mail).run()
    [message] = server.messages()
    assert message["Subject"] == (
        f"[refundflow] {ref}: platform review deadline (2026-10-10 24:00) has passed"
    )
    plain, html = body_text(message), body_text(message, "html")
    assert "Platform review: 2026-10-10 24:00 (Asia/Shanghai time)" in plain
    assert "<" not in plain.split("TEXT TO SEND")[0]  # real plain text, not HTML source
    assert "<b>Platform review: 2026-10-10 24:00</b>" in html


# ---------------------------------------------------------------------- not configured
def test_without_smtp_mail_is_held_and_goes_out_once_mail_is_set_up(
    ctx: Context, server: MailServer
) -> None:
    bare = mail_ctx(ctx, None)
    missed_case(bare)
    at(bare, MISSED_AT)
    services.handle_due_deadlines(bare)

    report = Dispatcher(bare).run()
    notice = only(bare)
    assert (report.held, notice.status, notice.attempts) == (1, NoticeStatus.HELD, 0)
    assert "SMTP not configured" in (notice.last_error or "")
    assert server.messages() == []

    Dispatcher(mail_ctx(ctx, server)).run()
    assert only(bare).status == NoticeStatus.SENT
    assert len(server.messages()) == 1


# ------------------------------------------------------------------------------ faults
def test_a_server_that_refuses_connections_delays_mail_without_losing_it(
    ctx: Context, tmp_path: Path
) -> None:
    down = MailServer(tmp_path / "maildir")  # its port is chosen but nothing listens yet
    mail = mail_ctx(ctx, down)
    for order in ("KM1", "KM2", "KM3"):
        missed_case(mail, order)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    dispatcher = Dispatcher(mail)

    report = dispatcher.run()
    assert report.sent == 0 and report.retrying == 1  # one probe, then the pass stops
    assert report.errors[0].startswith("connection: 127.0.0.1:") and "refused" in report.errors[0]
    notices = sorted(list_notices(mail), key=lambda n: n.id or 0)
    assert [n.attempts for n in notices] == [1, 0, 0]  # the others were not even tried
    assert all(n.status == NoticeStatus.QUEUED for n in notices)
    assert dispatcher.run().paused_until == MISSED_AT + timedelta(seconds=30)

    with down:
        advance(mail, seconds=31)
        report = dispatcher.run()
    assert report.sent == 3
    assert len(down.messages()) == 3
    assert {n.status for n in list_notices(mail)} == {NoticeStatus.SENT}


def test_a_4xx_reply_is_retried_with_backoff_then_sent_once(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    server.fail("DATA", "451 4.3.0 Mailbox busy, try again later", times=2)
    dispatcher = Dispatcher(mail)

    dispatcher.run()
    notice = only(mail)
    assert (notice.status, notice.attempts) == (NoticeStatus.QUEUED, 1)
    assert notice.last_error == "temporary: 451 4.3.0 Mailbox busy, try again later"
    assert notice.next_attempt_at == MISSED_AT + timedelta(seconds=30)
    advance(mail, seconds=29)
    assert dispatcher.run().tried == 0  # not before its time
    advance(mail, seconds=1)
    dispatcher.run()
    assert only(mail).next_attempt_at == MISSED_AT + timedelta(seconds=30 + 60)  # doubled
    advance(mail, seconds=60)
    assert dispatcher.run().sent == 1
    assert len(server.messages()) == 1
    assert (only(mail).status, only(mail).attempts) == (NoticeStatus.SENT, 3)


def test_a_5xx_reply_gives_up_after_three_tries_with_the_error_visible(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    server.fail("DATA", "554 5.7.1 Message rejected as spam", times=3)
    dispatcher = Dispatcher(mail)
    for _ in range(5):
        dispatcher.run()
        advance(mail, minutes=10)
    notice = only(mail)
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 3)
    assert notice.last_error == "permanent: 554 5.7.1 Message rejected as spam"
    assert server.messages() == []

    retry_notice(mail, notice.id or 0)  # `refundflow outbox retry ID`
    assert dispatcher.run().sent == 1
    assert len(server.messages()) == 1


def test_a_refused_recipient_is_a_permanent_failure(ctx: Context, server: MailServer) -> None:
    mail = mail_ctx(ctx, server, notify_to="nobody@example.test", mail_max_tries=1)
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    server.fail("RCPT", "550 5.1.1 No such user", times=1)
    Dispatcher(mail).run()
    notice = only(mail)
    assert notice.status == NoticeStatus.FAILED
    assert notice.last_error == (
        "permanent: 550 recipients refused: nobody@example.test: 550 5.1.1 No such user"
    )


def test_the_login_uses_the_password_from_the_environment_and_never_stores_it(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "pw-Zq81-never-on-disk"
    with MailServer(tmp_path / "maildir", login=("rf-login", secret)) as server:
        mail = mail_ctx(ctx, server, smtp_user="rf-login")
        missed_case(mail)
        at(mail, MISSED_AT)
        services.handle_due_deadlines(mail)

        monkeypatch.setenv("REFUNDFLOW_SMTP_PASSWORD", "wrong-password-9")
        report = Dispatcher(mail).run()
        assert report.errors[0].startswith("auth: 535 login refused")
        assert "wrong-password-9" not in report.errors[0]

        monkeypatch.setenv("REFUNDFLOW_SMTP_PASSWORD", secret)
        advance(mail, minutes=1)
        assert Dispatcher(mail).run().sent == 1
        # smtplib tries each mechanism the server offers before giving up on a password.
        assert server.logins[-1] == ("rf-login", True)
        assert {ok for _, ok in server.logins[:-1]} == {False}
        assert server.envelopes[0][0] == "refundflow@example.test"  # sent as MAIL_FROM
    mail.engine.dispose()
    for path in ctx.settings.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and b"wrong-password-9" not in data, path


def test_a_missing_password_holds_mail_with_the_reason(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server, smtp_user="rf-login-nobody-stored")
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    assert Dispatcher(mail).run().held == 1
    notice = only(mail)
    assert notice.status == NoticeStatus.HELD
    assert notice.last_error == (
        "no SMTP password for rf-login-nobody-stored: run `refundflow notify login` "
        "or set REFUNDFLOW_SMTP_PASSWORD"
    )


@pytest.mark.parametrize(
    ("security", "expected"),
    [("starttls", "tls: 127.0.0.1:{port} does not offer STARTTLS"), ("ssl", "tls: TLS with")],
)
def test_tls_trouble_is_named_as_such(
    ctx: Context, server: MailServer, security: str, expected: str
) -> None:
    mail = mail_ctx(ctx, server, smtp_security=security)
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    report = Dispatcher(mail).run()
    assert report.errors[0].startswith(expected.format(port=server.port)), report.errors


def test_an_unknown_host_is_a_dns_failure(ctx: Context) -> None:
    mail = mail_ctx(ctx, None, smtp_host="mail.refundflow-test.invalid")
    missed_case(mail)
    at(mail, MISSED_AT)
    services.handle_due_deadlines(mail)
    report = Dispatcher(mail).run()
    assert report.errors[0].startswith("dns: cannot resolve mail.refundflow-test.invalid")
    assert only(mail).status == NoticeStatus.QUEUED


# ------------------------------------------------------------------ never twice, never lost
def test_two_dispatchers_racing_send_every_notice_exactly_once(
    ctx: Context, server: MailServer
) -> None:
    mail = mail_ctx(ctx, server)
    queue_notices(mail, [
        Notice(f"test/race/{n}", NoticeKind.TEST, MISSED_AT, payload={"port": server.port})
        for n in range(60)
    ])
    at(mail, MISSED_AT)
    first, second = Dispatcher(mail, batch=5), Dispatcher(mail_ctx(ctx, server), batch=5)
    threads = [threading.Thread(target=d.run) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["Message-ID"] for m in server.messages()]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert {n.status for n in list_notices(mail)} == {NoticeStatus.SENT}
