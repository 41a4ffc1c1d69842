"""The outbox rules without a database or a server: backoff, giving up, holding, pausing.

The dispatcher runs against fakes that subclass the ports (a notice queue, a notifier),
so every rule is visible in a few lines: what a 4xx, a 5xx, a dead server or missing
settings do to a notice, and that a server-wide failure stops the pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from cases.outbox import (
    DeadlineDue,
    DeliveryError,
    Failure,
    Mail,
    Notice,
    NoticeKind,
    NoticeStatus,
    RetryPolicy,
    message_id,
)
from cases.outbox_services import queue_notices, retry_notice
from cases.ports import FixedClock, NoticeQueue, Notifier
from cases.settings import Settings
from notifications.outbox import Dispatcher
from tests.unit.fakes import FakeOutbox, FakeUnitOfWork

NOW = datetime.fromisoformat("2026-10-05T10:00:00+08:00")


class FakeNoticeQueue(FakeOutbox, NoticeQueue):
    """The outbox in a dict; every change replaces the Notice, so rollbacks really undo."""

    def _set(self, notice_id: int, **changes: Any) -> Notice:
        for key, notice in self.notices.items():
            if notice.id == notice_id:
                self.notices[key] = dataclasses.replace(notice, **changes)
                return self.notices[key]
        raise KeyError(notice_id)

    def _by_id(self, notice_id: int) -> Notice | None:
        return next((n for n in self.notices.values() if n.id == notice_id), None)

    def add(self, notice: Notice) -> bool:
        if notice.id is None:
            notice = dataclasses.replace(notice, id=len(self.notices) + 1)
        return super().add(notice)

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Notice]:
        due = [
            n for n in sorted(self.notices.values(), key=lambda n: n.id or 0)
            if (n.status == NoticeStatus.QUEUED and (n.next_attempt_at or now) <= now)
            or (n.status == NoticeStatus.SENDING and (n.next_attempt_at or now) <= now)
        ][:limit]
        return [self._set(n.id or 0, status=NoticeStatus.SENDING, next_attempt_at=lease_until)
                for n in due]

    def get_notice(self, notice_id: int) -> Notice | None:
        return self._by_id(notice_id)

    def mark_sent(self, notice_id: int, at: datetime) -> bool:
        notice = self._by_id(notice_id)
        if notice is None or notice.status != NoticeStatus.SENDING:
            return False
        self._set(notice_id, status=NoticeStatus.SENT, sent_at=at, attempts=notice.attempts + 1,
                  next_attempt_at=None)
        return True

    def mark_failed(self, notice_id: int, status: NoticeStatus, error: str,
                    next_attempt_at: datetime | None, count_try: bool = True) -> bool:
        notice = self._by_id(notice_id)
        if notice is None or notice.status != NoticeStatus.SENDING:
            return False
        self._set(notice_id, status=status, last_error=error, next_attempt_at=next_attempt_at,
                  attempts=notice.attempts + (1 if count_try else 0))
        return True

    def release(self, notice_ids: Sequence[int], at: datetime | None) -> int:
        for notice_id in notice_ids:
            self._set(notice_id, status=NoticeStatus.QUEUED, next_attempt_at=at)
        return len(notice_ids)

    def hold_queued(self, reason: str) -> int:
        queued = [n for n in self.notices.values() if n.status == NoticeStatus.QUEUED]
        for n in queued:
            self._set(n.id or 0, status=NoticeStatus.HELD, last_error=reason)
        return len(queued)

    def release_held(self, at: datetime) -> int:
        held = [n for n in self.notices.values() if n.status == NoticeStatus.HELD]
        for n in held:
            self._set(n.id or 0, status=NoticeStatus.QUEUED, next_attempt_at=at)
        return len(held)

    def requeue(self, notice_id: int, at: datetime) -> bool:
        notice = self._by_id(notice_id)
        if notice is None or notice.status not in (
            NoticeStatus.FAILED, NoticeStatus.HELD, NoticeStatus.CANCELLED
        ):
            return False
        self._set(notice_id, status=NoticeStatus.QUEUED, next_attempt_at=at, attempts=0)
        return True

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.notices}

    def deadlines_to_remind(self, missed_since: datetime) -> list[DeadlineDue]:
        return []


class QueueUnitOfWork(FakeUnitOfWork):
    def __enter__(self) -> QueueUnitOfWork:
        super().__enter__()
        self.outbox = FakeNoticeQueue(dict(self.notices))
        return self


@dataclass
class FakeNotifier(Notifier):
    """Delivers into a list; ``script`` holds the errors to raise on the next sends."""

    sent: list[Mail] = field(default_factory=list)
    script: list[DeliveryError] = field(default_factory=list)
    closed: int = 0

    def send(self, mail: Mail) -> None:
        if self.script:
            raise self.script.pop(0)
        self.sent.append(mail)

    def close(self) -> None:
        self.closed += 1


@dataclass
class Deps:
    settings: Settings
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    unit: QueueUnitOfWork = field(default_factory=QueueUnitOfWork)

    def uow(self) -> QueueUnitOfWork:
        return self.unit

    def later(self, **delta: float) -> None:
        self.clock.at = self.clock.at + timedelta(**delta)

    def notices(self) -> list[Notice]:
        return sorted(self.unit.notices.values(), key=lambda n: n.id or 0)


def configured(**changes: Any) -> Settings:
    values: dict[str, Any] = dict(
        home="/nonexistent", lang="en", smtp_host="smtp.example.test", smtp_security="none",
        mail_from="rf@example.test", notify_to="a@example.test", quiet_hours="",
    )
    values.update(changes)
    return Settings(**values)


def queue_test_mail(deps: Deps, count: int) -> None:
    queue_notices(deps, [Notice(f"test/{n}", NoticeKind.TEST, NOW, payload={"port": 25})
                         for n in range(count)])


def dispatcher(deps: Deps, notifier: FakeNotifier) -> Dispatcher:
    return Dispatcher(deps, notifier_factory=lambda config, password: notifier)


@pytest.fixture(autouse=True)
def _resolvable(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake notifier never connects; nothing here needs DNS.
    monkeypatch.setattr("notifications.outbox.smtp_password", lambda user: None)


# ----------------------------------------------------------------------------- policy
def test_retries_wait_twice_as_long_each_time_up_to_the_cap() -> None:
    policy = RetryPolicy(timedelta(seconds=30), timedelta(minutes=5), 3)
    assert [policy.delay(n).total_seconds() for n in range(1, 8)] == [
        30, 60, 120, 240, 300, 300, 300
    ]


def test_a_5xx_gives_up_after_max_tries_a_4xx_and_a_dead_server_never_do() -> None:
    policy = RetryPolicy(max_tries=3)
    permanent = DeliveryError(Failure.PERMANENT, "rejected", 554)
    assert policy.after_failure(2, permanent, NOW)[0] == NoticeStatus.QUEUED
    assert policy.after_failure(3, permanent, NOW) == (NoticeStatus.FAILED, None)
    for failure in (Failure.TEMPORARY, Failure.CONNECTION, Failure.DNS, Failure.AUTH):
        status, retry_at = policy.after_failure(50, DeliveryError(failure, "x"), NOW)
        assert status == NoticeStatus.QUEUED and retry_at == NOW + policy.cap
    assert policy.after_failure(1, DeliveryError(Failure.MESSAGE, "bug"), NOW)[0] == (
        NoticeStatus.FAILED
    )


def test_the_message_id_depends_only_on_the_dedupe_key() -> None:
    first = message_id("RF-2026-0001/review#1/missed", "example.test")
    assert first == message_id("RF-2026-0001/review#1/missed", "example.test")
    assert first != message_id("RF-2026-0001/review#2/missed", "example.test")
    assert first.startswith("<rf.") and first.endswith("@example.test>")


# ------------------------------------------------------------------------- dispatcher
def test_each_due_notice_is_sent_once() -> None:
    deps, notifier = Deps(configured()), FakeNotifier()
    queue_test_mail(deps, 25)
    report = dispatcher(deps, notifier).run()
    assert report.sent == 25 and len(notifier.sent) == 25
    assert len({m.message_id for m in notifier.sent}) == 25
    assert {n.status for n in deps.notices()} == {NoticeStatus.SENT}
    assert notifier.closed == 1  # one connection for the whole pass
    assert dispatcher(deps, notifier).run().tried == 0


def test_without_settings_mail_is_held_with_the_reason() -> None:
    deps = Deps(configured(smtp_host=None))
    queue_test_mail(deps, 2)
    assert dispatcher(deps, FakeNotifier()).run().held == 2
    assert {(n.status, n.last_error) for n in deps.notices()} == {
        (NoticeStatus.HELD, "SMTP not configured: set REFUNDFLOW_SMTP_HOST")
    }
    deps.settings = configured()
    assert dispatcher(deps, FakeNotifier()).run().sent == 2


def test_a_server_wide_failure_stops_the_pass_and_pauses_the_dispatcher() -> None:
    deps = Deps(configured())
    queue_test_mail(deps, 5)
    notifier = FakeNotifier(script=[DeliveryError(Failure.CONNECTION, "refused")] * 2)
    sender = dispatcher(deps, notifier)
    report = sender.run()
    assert (report.sent, report.retrying, report.paused_until) == (
        0, 1, NOW + timedelta(seconds=30)
    )
    assert [n.attempts for n in deps.notices()] == [1, 0, 0, 0, 0]
    deps.later(seconds=29)
    assert sender.run().tried == 0  # paused
    deps.later(seconds=1)
    assert sender.run().paused_until == NOW + timedelta(seconds=30 + 60)  # doubled
    deps.later(minutes=2)
    assert sender.run().sent == 5
    assert len(notifier.sent) == 5


def test_a_4xx_is_retried_for_that_notice_only() -> None:
    deps = Deps(configured())
    queue_test_mail(deps, 3)
    notifier = FakeNotifier(script=[DeliveryError(Failure.TEMPORARY, "busy", 451)])
    report = dispatcher(deps, notifier).run()
    assert (report.sent, report.retrying) == (2, 1)
    first = deps.notices()[0]
    assert (first.status, first.last_error, first.next_attempt_at) == (
        NoticeStatus.QUEUED, "temporary: 451 busy", NOW + timedelta(seconds=30)
    )


def test_a_5xx_fails_for_good_after_three_tries_and_retry_requeues_it() -> None:
    deps = Deps(configured())
    queue_test_mail(deps, 1)
    refusal = DeliveryError(Failure.PERMANENT, "5.7.1 spam", 554)
    notifier = FakeNotifier(script=[refusal] * 3)
    sender = dispatcher(deps, notifier)
    for _ in range(4):
        sender.run()
        deps.later(minutes=5)
    [notice] = deps.notices()
    assert (notice.status, notice.attempts, notice.last_error) == (
        NoticeStatus.FAILED, 3, "permanent: 554 5.7.1 spam"
    )
    assert retry_notice(deps, notice.id or 0).status == NoticeStatus.QUEUED
    assert sender.run().sent == 1


def test_missing_password_holds_instead_of_asking() -> None:
    deps = Deps(configured(smtp_user="someone", smtp_security="starttls"))
    queue_test_mail(deps, 1)
    assert dispatcher(deps, FakeNotifier()).run().held == 1
    assert "notify login" in (deps.notices()[0].last_error or "")


def test_a_password_is_never_sent_unencrypted_to_another_machine() -> None:
    deps = Deps(configured(smtp_user="someone", smtp_security="none"))
    queue_test_mail(deps, 1)
    assert dispatcher(deps, FakeNotifier()).run().held == 1
    assert deps.notices()[0].last_error == (
        "refusing to send the SMTP password unencrypted to smtp.example.test: "
        "set REFUNDFLOW_SMTP_SECURITY to ssl or starttls"
    )
