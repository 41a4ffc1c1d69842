"""The dispatcher: sends what is due in the outbox, claim → send → mark.

One pass claims a small batch (compare-and-set to SENDING with a lease), writes and sends
each mail outside any transaction, and marks it sent or failed in its own transaction.
A failure of the server or the account (DNS, connection, TLS, login) stops the pass and
pauses this dispatcher, doubling the pause each time; the rest of the batch goes back
untried, so a server down for an hour costs one probe per pause, not one try per mail.
4xx replies are retried with backoff; 5xx replies give up after a few tries, the error
kept on the notice. Without SMTP settings nothing is sent: queued mail becomes HELD
(shown by ``refundflow outbox list``) and is queued again once mail is set up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cases import outbox_services as outbox
from cases.outbox import DeliveryError, Failure, Notice, NoticeKind, RetryPolicy
from cases.ports import Notifier
from notifications.compose import Composer, Stale
from notifications.mailer import SmtpConfig, YagmailNotifier, smtp_config, smtp_password
from notifications.reminders import QuietHours

log = logging.getLogger("refundflow.mail")

BATCH = 10
"""Notices claimed at once: small, so a batch never outlives its lease (5 min)."""
LEASE_MARGIN = timedelta(minutes=1)


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0
    held: int = 0
    paused_until: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


def retry_policy(settings: Any) -> RetryPolicy:
    return RetryPolicy(
        base=timedelta(seconds=max(settings.mail_retry_base, 0.1)),
        cap=timedelta(seconds=max(settings.mail_retry_max, settings.mail_retry_base, 0.1)),
        max_tries=max(settings.mail_max_tries, 1),
    )


def mail_setup(settings: Any) -> tuple[SmtpConfig, str | None] | str:
    """The SMTP configuration and password, or why mail cannot be sent (kept as the
    reason on HELD notices, in English; the CLI says it in the user's language)."""
    config = smtp_config(settings)
    if isinstance(config, str):
        return config
    password = smtp_password(config.user) if config.user else None
    if config.user and not password:
        return (
            f"no SMTP password for {config.user}: run `refundflow notify login` "
            "or set REFUNDFLOW_SMTP_PASSWORD"
        )
    return config, password


NotifierFactory = Callable[[SmtpConfig, str | None], Notifier]


def yagmail_notifier(config: SmtpConfig, password: str | None) -> Notifier:
    return YagmailNotifier(config, password)


class Dispatcher:
    """Sends due notices for one installation; safe to call from several threads (one pass
    runs at a time; a call during a pass makes that pass look again before it ends)."""

    def __init__(
        self,
        ctx: Any,
        notifier_factory: NotifierFactory = yagmail_notifier,
        batch: int = BATCH,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ctx = ctx
        self.notifier_factory = notifier_factory
        self.batch = batch
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._pause_until: datetime | None = None
        self._server_failures = 0

    @property
    def paused_until(self) -> datetime | None:
        return self._pause_until

    def run(self) -> DispatchReport:
        """Send everything due now. Returns what happened (for logs, tests and the CLI)."""
        report = DispatchReport()
        if not self._lock.acquire(blocking=False):
            self._again.set()
            return report
        try:
            while True:
                self._again.clear()
                self._pass(report)
                if not self._again.is_set() or report.paused_until is not None:
                    break
        finally:
            self._lock.release()
        return report

    # ---------------------------------------------------------------------- passes
    def _pass(self, report: DispatchReport) -> None:
        ctx = self.ctx
        setup = mail_setup(ctx.settings)
        if isinstance(setup, str):
            report.held += outbox.hold_unsendable(ctx, setup)
            return
        now = ctx.clock.now()
        if self._pause_until is not None and now < self._pause_until:
            report.paused_until = self._pause_until
            return
        config, password = setup
        outbox.release_held(ctx)
        composer = Composer(ctx, config.recipients, config.domain)
        quiet = QuietHours.from_settings(ctx.settings)
        policy = retry_policy(ctx.settings)
        notifier = self.notifier_factory(config, password)
        try:
            while True:
                batch = outbox.claim_due(ctx, self.batch, outbox.LEASE)
                if not batch:
                    return
                started = self.monotonic()
                budget = (outbox.LEASE - LEASE_MARGIN).total_seconds()
                for index, notice in enumerate(batch):
                    # Never hold a claim past its lease: another dispatcher may take it then.
                    if self.monotonic() - started > budget:
                        outbox.release(ctx, batch[index:])
                        break
                    if not self._deliver(notice, notifier, composer, quiet, policy, report):
                        outbox.release(ctx, batch[index + 1 :])
                        return
        finally:
            notifier.close()

    def _deliver(
        self,
        notice: Notice,
        notifier: Notifier,
        composer: Composer,
        quiet: QuietHours | None,
        policy: RetryPolicy,
        report: DispatchReport,
    ) -> bool:
        """Send one claimed notice and mark it. False: stop the pass (server-wide trouble)."""
        ctx = self.ctx
        now = ctx.clock.now()
        release_at = _quiet_release(notice, now, quiet)
        if release_at is not None:
            outbox.release(ctx, [notice], release_at)
            report.deferred += 1
            return True
        try:
            mail = composer.compose(notice, now)
        except Stale as why:
            outbox.cancel(ctx, notice, f"not sent: {why}")
            report.cancelled += 1
            return True
        except Exception as exc:  # a broken template or a vanished case: visible, not retried
            log.exception("cannot write mail for notice %s", notice.id)
            error = DeliveryError(Failure.MESSAGE, f"{type(exc).__name__}: {exc}")
            outbox.mark_failed(ctx, notice, error, policy)
            report.failed += 1
            report.errors.append(error.describe())
            return True
        try:
            notifier.send(mail)
        except DeliveryError as error:
            return self._failed(notice, error, policy, report)
        outbox.mark_sent(ctx, _id(notice))
        self._server_failures = 0
        self._pause_until = None
        report.sent += 1
        return True

    def _failed(
        self, notice: Notice, error: DeliveryError, policy: RetryPolicy, report: DispatchReport
    ) -> bool:
        ctx = self.ctx
        report.errors.append(error.describe())
        log.warning("mail %s not sent: %s", notice.dedupe_key, error.describe())
        if error.failure == Failure.NOT_CONFIGURED:
            outbox.release(ctx, [notice])
            report.held += outbox.hold_unsendable(ctx, error.describe())
            return False
        status = outbox.mark_failed(ctx, notice, error, policy)
        if status.value == "failed":
            report.failed += 1
        else:
            report.retrying += 1
        if error.server_wide:
            self._server_failures += 1
            self._pause_until = ctx.clock.now() + policy.delay(self._server_failures)
            report.paused_until = self._pause_until
            return False
        return True


def _quiet_release(notice: Notice, now: datetime, quiet: QuietHours | None) -> datetime | None:
    """When a notice due in quiet hours may go (None: now). Test mail is never held back."""
    if quiet is None or notice.kind == NoticeKind.TEST:
        return None
    due = notice.payload.get("due_at")
    due_at = datetime.fromisoformat(str(due)) if due else None
    release = quiet.release(now, due_at)
    return release if release > now else None


def _id(notice: Notice) -> int:
    assert notice.id is not None
    return notice.id
