"""Use cases of the outbox: queue, claim, mark, retry, hold. One unit of work each.

The dispatcher (``notifications/outbox.py``), the reminder scheduler and the command line
call these and nothing else to change a notice. The order that keeps mail from being lost
or doubled is claim → send → mark: a notice is claimed (compare-and-set to SENDING, with
a lease) in one transaction, sent outside any transaction, and marked in another. A crash
after sending and before marking leaves it SENDING; when the lease runs out it is sent
again, with the same Message-ID, so the one duplicate is the same message to the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from cases.i18n import Conflict, NotFound, Text
from cases.outbox import DeadlineDue, DeliveryError, Notice, NoticeStatus, RetryPolicy
from cases.ports import Clock, NoticeQueue, UnitOfWork

LEASE = timedelta(minutes=5)
"""How long a claimed notice belongs to its dispatcher; after that it is due again."""


class OutboxDeps(Protocol):
    """What these use cases need: a clock and units of work (``cases.bootstrap.Context``)."""

    clock: Clock

    def uow(self) -> UnitOfWork: ...


def _queue(uow: UnitOfWork) -> NoticeQueue:
    if not isinstance(uow.outbox, NoticeQueue):  # pragma: no cover - wiring error
        raise TypeError(f"{type(uow.outbox).__name__} cannot dispatch notices")
    return uow.outbox


def queue_notices(deps: OutboxDeps, notices: Sequence[Notice]) -> int:
    """Queue notices in one transaction; those whose dedupe key exists are skipped.

    Returns how many were new. Reminders planned twice (a restart, a re-plan) are queued
    once, because their keys are derived from the deadline and the occasion.
    """
    with deps.uow() as uow:
        queue = _queue(uow)
        known = queue.existing_keys([n.dedupe_key for n in notices])
        added = sum(1 for n in notices if n.dedupe_key not in known and queue.add(n))
        uow.commit()
    return added


def claim_due(
    deps: OutboxDeps, limit: int = 20, lease: timedelta = LEASE, now: datetime | None = None
) -> list[Notice]:
    """Take up to ``limit`` due notices for sending (SENDING until ``now + lease``)."""
    now = now or deps.clock.now()
    with deps.uow() as uow:
        claimed = _queue(uow).claim_due(now, now + lease, limit)
        uow.commit()
    return claimed


def mark_sent(deps: OutboxDeps, notice_id: int) -> bool:
    """Record that the notice went out; False if it was no longer ours (lease expired and
    another dispatcher took it and marked it first)."""
    with deps.uow() as uow:
        done = _queue(uow).mark_sent(notice_id, deps.clock.now())
        uow.commit()
    return done


def mark_failed(
    deps: OutboxDeps, notice: Notice, error: DeliveryError, policy: RetryPolicy
) -> NoticeStatus:
    """Record a failed try: retry later (backoff) or give up, with the error kept visible."""
    now = deps.clock.now()
    tries = notice.attempts + 1
    status, retry_at = policy.after_failure(tries, error, now)
    with deps.uow() as uow:
        _queue(uow).mark_failed(_id(notice), status, error.describe(), retry_at)
        uow.commit()
    return status


def cancel(deps: OutboxDeps, notice: Notice, why: str) -> None:
    """Drop a claimed notice that is no longer true (its deadline was met meanwhile)."""
    with deps.uow() as uow:
        _queue(uow).mark_failed(_id(notice), NoticeStatus.CANCELLED, why, None, count_try=False)
        uow.commit()


def release(deps: OutboxDeps, notices: Sequence[Notice], at: datetime | None = None) -> int:
    """Give claimed notices back untried (the server is down; quiet hours): no try counted."""
    if not notices:
        return 0
    with deps.uow() as uow:
        count = _queue(uow).release([_id(n) for n in notices], at)
        uow.commit()
    return count


def hold_unsendable(deps: OutboxDeps, reason: str) -> int:
    """Mail is not set up: keep every queued notice as HELD, with the reason, to be shown."""
    with deps.uow() as uow:
        count = _queue(uow).hold_queued(reason)
        uow.commit()
    return count


def release_held(deps: OutboxDeps) -> int:
    """Mail is set up now: everything HELD is queued to go out at once."""
    with deps.uow() as uow:
        count = _queue(uow).release_held(deps.clock.now())
        uow.commit()
    return count


def retry_notice(deps: OutboxDeps, notice_id: int) -> Notice:
    """``outbox retry ID``: send a FAILED, HELD or CANCELLED notice again, tries reset."""
    with deps.uow() as uow:
        queue = _queue(uow)
        notice = queue.get_notice(notice_id)
        if notice is None:
            raise NotFound(
                Text(
                    "发件箱中没有编号为 {id} 的邮件；用 refundflow outbox list 查看",
                    "no mail {id} in the outbox; see them with `refundflow outbox list`",
                    {"id": notice_id},
                )
            )
        if not queue.requeue(notice_id, deps.clock.now()):
            raise Conflict(
                Text(
                    "邮件 {id} 的状态是“{status}”：只有发送失败、暂存或已取消的邮件可以重发",
                    "mail {id} is {status}: only failed, held or cancelled mail can be retried",
                    {"id": notice_id, "status": notice.status.value},
                )
            )
        fresh = queue.get_notice(notice_id)
        uow.commit()
    assert fresh is not None
    return fresh


def list_notices(
    deps: OutboxDeps, status: NoticeStatus | None = None, limit: int = 200
) -> list[Notice]:
    with deps.uow() as uow:
        return uow.outbox.list(status, limit)


def get_notice(deps: OutboxDeps, notice_id: int) -> Notice | None:
    with deps.uow() as uow:
        return _queue(uow).get_notice(notice_id)


def deadlines_to_remind(deps: OutboxDeps, overdue_days: int) -> list[DeadlineDue]:
    """Open deadlines, and those missed in the last ``overdue_days`` days that nobody has
    acted on since: what the reminder plan is made from."""
    since = deps.clock.now() - timedelta(days=max(overdue_days, 0) + 1)
    with deps.uow() as uow:
        return _queue(uow).deadlines_to_remind(since)


def _id(notice: Notice) -> int:
    if notice.id is None:  # pragma: no cover - notices from the store always have one
        raise ValueError("a stored notice has an id")
    return notice.id
