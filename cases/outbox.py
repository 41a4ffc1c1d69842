"""Notices waiting to be sent: the outbox, as the domain sees it.

A use case that must tell someone something (a deadline missed, a reminder due) queues a
:class:`Notice` in the same transaction as the change itself. The notice says *what* to
tell (kind, case, deadline, facts as plain data); rendering the mail and sending it is
``notifications/``'s job. The dedupe key is unique: queuing the same notice twice is a
no-op, so a retried use case or two callers never produce two mails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class NoticeKind(StrEnum):
    DEADLINE_MISSED = "deadline_missed"
    REMINDER = "reminder"
    DIGEST = "digest"
    TEST = "test"


class NoticeStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a dispatcher; sent or failed next
    SENT = "sent"
    FAILED = "failed"  # gave up (permanent error or too many tries); `outbox retry` requeues
    HELD = "held"  # no SMTP configured: kept to be shown, sent once mail is set up
    CANCELLED = "cancelled"  # no longer true when its turn came (the deadline was met): not sent


@dataclass
class Notice:
    dedupe_key: str
    kind: NoticeKind
    created_at: datetime
    case_ref: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    status: NoticeStatus = NoticeStatus.QUEUED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    id: int | None = None


def deadline_key(ref: str, rule_key: str, round: int, what: str) -> str:
    """``RF-2026-0001/review#2/missed``: one notice per deadline and occasion."""
    return f"{ref}/{rule_key}#{round}/{what}"


# --------------------------------------------------------------------------- delivery
class Failure(StrEnum):
    """Why a mail did not go out, in the words ``notify test`` and ``outbox list`` use."""

    NOT_CONFIGURED = "not_configured"  # no server, no recipient, or no password
    DNS = "dns"  # the server's name does not resolve
    CONNECTION = "connection"  # refused, timed out, or dropped
    TLS = "tls"  # STARTTLS missing, handshake or certificate failed
    AUTH = "auth"  # the server refused the login
    TEMPORARY = "temporary"  # a 4xx reply: try again later
    PERMANENT = "permanent"  # a 5xx reply to this message: retrying rarely helps
    MESSAGE = "message"  # the mail could not be written (the case is gone, a template broke)


SERVER_WIDE = frozenset({Failure.DNS, Failure.CONNECTION, Failure.TLS, Failure.AUTH})
"""Failures of the server or the account, not of one message: every mail would fail alike."""


class DeliveryError(Exception):
    """A mail that did not go out, with the SMTP reply code when the server gave one.

    The text never holds the password: it is built from the exception class, the
    server's reply and the host name only.
    """

    def __init__(self, failure: Failure, detail: str, code: int | None = None) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.code = code

    @property
    def server_wide(self) -> bool:
        return self.failure in SERVER_WIDE

    def describe(self) -> str:
        """``temporary: 451 4.3.0 try again later`` (stored as the notice's last error)."""
        code = f"{self.code} " if self.code is not None else ""
        return f"{self.failure.value}: {code}{self.detail}"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Mail:
    """One message, ready to send: the notifier only delivers it."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    attachments: tuple[Attachment, ...] = ()


def message_id(dedupe_key: str, domain: str) -> str:
    """A ``Message-ID`` that depends only on the dedupe key (and the sender's domain).

    Sending the same notice twice (after a crash between sending and marking it sent)
    gives the same Message-ID, so mail clients show one message.
    """
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<rf.{digest}@{domain or 'refundflow.invalid'}>"


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a notice again after a failure.

    Connection problems and 4xx replies are retried for as long as it takes, each wait
    twice the one before (``base`` seconds, capped at ``cap``); a 5xx reply gives up
    after ``max_tries`` tries in all, leaving the notice FAILED with the server's words.
    """

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=5)
    max_tries: int = 3

    def delay(self, tries: int) -> timedelta:
        """The wait after the ``tries``-th failed try (1 → base, 2 → 2 × base, …)."""
        factor: int = 2 ** min(max(tries - 1, 0), 30)
        wait: timedelta = min(self.base * factor, self.cap)
        return wait

    def after_failure(
        self, tries: int, error: DeliveryError, now: datetime
    ) -> tuple[NoticeStatus, datetime | None]:
        """The status and next attempt of a notice that has failed ``tries`` times now."""
        if error.failure == Failure.MESSAGE:
            return NoticeStatus.FAILED, None
        if error.failure == Failure.PERMANENT and tries >= self.max_tries:
            return NoticeStatus.FAILED, None
        return NoticeStatus.QUEUED, now + self.delay(tries)


@dataclass(frozen=True)
class DeadlineDue:
    """A deadline someone may need reminding of: open, or missed and not acted on since."""

    ref: str
    kind: str
    rule_key: str
    round: int
    start_at: datetime
    due_at: datetime
    status: str  # "open" or "missed"
    zone: str
    handled_at: datetime | None = None
    rung: str | None = None
    rule_zh: str = ""
    rule_en: str = ""
    provisional: bool = False
    platform: str = ""
    order_no: str = ""
    product: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def rule(self, lang: str) -> str:
        """Why the deadline falls when it does, in words ("3 working days after …")."""
        return self.rule_zh if lang == "zh" else self.rule_en
