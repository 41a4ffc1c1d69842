"""Notices waiting to be sent: the outbox, as the domain sees it.

A use case that must tell someone something (a deadline missed, a reminder due) queues a
:class:`Notice` in the same transaction as the change itself. The notice says *what* to
tell (kind, case, deadline, facts as plain data); rendering the mail and sending it is
``notifications/``'s job. The dedupe key is unique: queuing the same notice twice is a
no-op, so a retried use case or two callers never produce two mails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
