"""The refund case and what belongs to it: deadlines, the timeline, evidence.

Plain classes, mapped to tables from outside (``cases/store/orm.py``). A case changes
only through :meth:`Case.record`, which checks the transition, settles and opens
deadlines, and appends a hash-chained event, or through :meth:`Case.attach`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cases.i18n import InvalidInput, Text, TransitionRefused
from cases.vocabulary import (
    LIVE_STAGES,
    Channel,
    DeadlineKind,
    DeadlineStatus,
    EventKind,
    EvidenceKind,
    Reason,
    Stage,
)

GENESIS = "0" * 64
"""The ``prev_hash`` of a case's first event."""
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""How an event is written out to be hashed (keys sorted, UTF-8 as is, no spaces)."""

SYSTEM = "refundflow"
"""The actor of what refundflow does by itself (a missed deadline, an automatic escalation)."""

CLOCK_SKEW = timedelta(minutes=2)
"""How far in the future an event time may lie before it is refused (clocks differ)."""


class Deadline:
    """A due date with the rule it came from; ``status`` moves open → met/missed/cancelled."""

    def __init__(
        self,
        kind: DeadlineKind,
        rule_key: str,
        due_at: datetime,
        start_at: datetime,
        duration: str,
        rule_zh: str,
        rule_en: str,
        provisional: bool,
        round: int = 1,
        rung: str | None = None,
    ) -> None:
        self.kind = kind
        self.rule_key = rule_key
        self.due_at = due_at
        self.start_at = start_at
        self.duration = duration
        self.rule_zh = rule_zh
        self.rule_en = rule_en
        self.provisional = provisional
        self.round = round
        self.rung = rung
        self.status = DeadlineStatus.OPEN
        self.handled_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == DeadlineStatus.OPEN

    def overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at <= now

    def settle(self, status: DeadlineStatus, at: datetime) -> None:
        self.status = status
        self.handled_at = at

    def rule(self, lang: str) -> str:
        return self.rule_zh if lang == "zh" else self.rule_en


class Event:
    """One entry of the append-only timeline; ``hash`` covers it and the one before."""

    def __init__(
        self,
        kind: EventKind,
        at: datetime,
        recorded_at: datetime,
        data: dict[str, Any],
        actor: str | None = None,
    ) -> None:
        self.kind = kind
        self.at = at
        self.recorded_at = recorded_at
        self.data = data
        self.actor = actor
        self.seq = 0
        self.prev_hash = GENESIS
        self.hash = ""

    def compute_hash(self, ref: str) -> str:
        body = {
            "ref": ref,
            "seq": self.seq,
            "kind": str(self.kind),
            "at": _utc_iso(self.at),
            "recorded_at": _utc_iso(self.recorded_at),
            "actor": self.actor,
            "data": self.data,
            "prev": self.prev_hash,
        }
        return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


class Evidence:
    """A file kept as evidence: its content hash, original name, size and capture time."""

    def __init__(
        self,
        kind: EvidenceKind,
        sha256: str,
        original_name: str,
        size: int,
        captured_at: datetime,
        added_at: datetime,
        note: str | None = None,
    ) -> None:
        self.kind = kind
        self.sha256 = sha256
        self.original_name = original_name
        self.size = size
        self.captured_at = captured_at
        self.added_at = added_at
        self.note = note


class DeadlinePlanner(Protocol):
    """Turns a rule key into a deadline for a case (rules file + working-day calendar)."""

    def plan(
        self,
        case: Case,
        kind: DeadlineKind,
        rule_key: str,
        start: datetime,
        round: int = 1,
        rung: str | None = None,
    ) -> Deadline: ...


class RungGuide(Protocol):
    """Which rung comes next for a case (the escalation ladder)."""

    def next_rung_key(self, case: Case) -> str | None: ...

    def is_rung(self, key: str) -> str: ...

    def blocking_traps(self, case: Case, rung: str, at: datetime) -> list[Text]:
        """Why stepping onto ``rung`` at ``at`` would be refused or barred (empty: it is not)."""
        ...


@dataclass(frozen=True)
class EventInput:
    """What a user records: the event, when it happened, and its details."""

    kind: EventKind
    at: datetime
    note: str | None = None
    amount: Decimal | None = None
    refund_no: str | None = None
    ticket: str | None = None
    rung: str | None = None


# Which stages each user event may follow, and what to say when it may not.
ALLOWED_FROM: dict[EventKind, frozenset[Stage]] = {
    EventKind.SUBMITTED: frozenset({Stage.DRAFT, Stage.REJECTED, Stage.ESCALATED}),
    EventKind.SUPPLEMENT_REQUESTED: frozenset({Stage.SUBMITTED, Stage.ESCALATED}),
    EventKind.SUPPLEMENTED: frozenset({Stage.SUPPLEMENT_REQUESTED}),
    EventKind.APPROVED: frozenset({Stage.SUBMITTED, Stage.ESCALATED, Stage.REJECTED}),
    EventKind.REJECTED: frozenset({Stage.SUBMITTED, Stage.ESCALATED}),
    EventKind.ARRIVED: frozenset({Stage.APPROVED, Stage.ESCALATED}),
    EventKind.ESCALATED: frozenset(set(Stage) - {Stage.ARRIVED, Stage.CLOSED}),
    EventKind.WITHDRAWN: frozenset(set(Stage) - {Stage.CLOSED}),
    EventKind.CLOSED: frozenset(set(Stage) - {Stage.CLOSED}),
}

HINTS: dict[EventKind, Text] = {
    EventKind.SUBMITTED: Text(
        "只有草稿、被驳回或升级中的案件才能重新提交申请",
        "only a draft, a rejected or an escalated case can be submitted",
    ),
    EventKind.SUPPLEMENT_REQUESTED: Text(
        "先记录“已提交”，平台才可能要求补充材料",
        "record the submission before the platform can ask for more material",
    ),
    EventKind.SUPPLEMENTED: Text(
        "只有平台要求补充材料后才能记录“已补充”",
        "record the platform's request for material before supplementing it",
    ),
    EventKind.APPROVED: Text(
        "先记录“已提交”，平台才能同意退款", "record the submission before an approval"
    ),
    EventKind.REJECTED: Text(
        "先记录“已提交”，平台才能驳回", "record the submission before a rejection"
    ),
    EventKind.ARRIVED: Text(
        "先记录平台同意退款，才能记录到账", "record an approval before the money can arrive"
    ),
    EventKind.ESCALATED: Text(
        "退款已到账或已结案的案件无需升级", "a refunded or closed case cannot be escalated"
    ),
    EventKind.WITHDRAWN: Text("案件已结案", "the case is already closed"),
    EventKind.CLOSED: Text("案件已结案", "the case is already closed"),
}

# Deadlines an event answers (met) or makes moot (cancelled).
MEETS: dict[EventKind, frozenset[DeadlineKind]] = {
    EventKind.SUBMITTED: frozenset({DeadlineKind.WINDOW, DeadlineKind.ESCALATE, DeadlineKind.RUNG}),
    EventKind.SUPPLEMENT_REQUESTED: frozenset({DeadlineKind.REVIEW, DeadlineKind.RUNG}),
    EventKind.SUPPLEMENTED: frozenset({DeadlineKind.SUPPLEMENT}),
    EventKind.APPROVED: frozenset({DeadlineKind.REVIEW, DeadlineKind.RUNG, DeadlineKind.ESCALATE}),
    EventKind.REJECTED: frozenset({DeadlineKind.REVIEW, DeadlineKind.RUNG}),
    EventKind.ESCALATED: frozenset({DeadlineKind.ESCALATE}),
}


class Case:
    """One disputed order (RULES.md §1)."""

    def __init__(
        self,
        ref: str,
        platform: str,
        order_no: str,
        product: str,
        amount: Decimal,
        currency: str,
        channel: Channel,
        reason: Reason,
        paid_at: datetime,
        zone: str,
        created_at: datetime,
        merchant: str | None = None,
        note: str | None = None,
        usage: str | None = None,
        assignee: str | None = None,
        rule_overrides: dict[str, str] | None = None,
        province: str | None = None,
    ) -> None:
        self.ref = ref
        self.platform = platform
        self.order_no = order_no
        self.product = product
        self.amount = amount
        self.currency = currency
        self.channel = channel
        self.reason = reason
        self.paid_at = paid_at
        self.zone = zone
        self.created_at = created_at
        self.updated_at = created_at
        self.merchant = merchant
        self.note = note
        self.usage = usage
        self.assignee = assignee
        self.rule_overrides: dict[str, str] = dict(rule_overrides or {})
        self.province = province  # the user's, as named in the province table (None: unknown)
        self.stage = Stage.DRAFT
        self.rung: str | None = None
        self.outcome: str | None = None
        self.refund_no: str | None = None
        self.tickets: list[str] = []
        self.filings: dict[str, str] = {}
        self.refunded = Decimal("0.00")
        self.head_hash = GENESIS
        self.event_count = 0
        self.deadlines: list[Deadline] = []
        self.events: list[Event] = []
        self.evidence: list[Evidence] = []

    # ----------------------------------------------------------------- reading
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def is_live(self) -> bool:
        return self.stage in LIVE_STAGES

    def open_deadlines(self) -> list[Deadline]:
        return sorted((d for d in self.deadlines if d.is_open), key=lambda d: d.due_at)

    def next_deadline(self) -> Deadline | None:
        pending = self.open_deadlines()
        return pending[0] if pending else None

    def ordered_events(self) -> list[Event]:
        return sorted(self.events, key=lambda e: e.seq)

    def last_transition_at(self) -> datetime | None:
        # What refundflow did by itself (an automatic escalation at a deadline) does not stop
        # the user from recording what really happened before it.
        times = [e.at for e in self.events if e.kind in ALLOWED_FROM and e.actor != SYSTEM]
        return max(times) if times else None

    def outstanding(self) -> Decimal:
        return max(self.amount - self.refunded, Decimal("0.00"))

    # ---------------------------------------------------------------- changing
    def open_first_deadlines(self, planner: DeadlinePlanner, now: datetime) -> None:
        """A fresh draft whose no-reason window is still open gets that window as a deadline."""
        if self.reason in (Reason.MISTAKEN_PURCHASE, Reason.NOT_ACTIVATED):
            window = planner.plan(self, DeadlineKind.WINDOW, "window", self.paid_at)
            if window.due_at > now:
                self.deadlines.append(window)

    def record(
        self,
        what: EventInput,
        now: datetime,
        planner: DeadlinePlanner,
        ladder: RungGuide,
        actor: str | None = None,
    ) -> Event:
        """Apply a user event: check it, settle and open deadlines, append to the timeline."""
        self._check_time(what.at, now)
        if self.stage not in ALLOWED_FROM[what.kind]:
            raise TransitionRefused(
                Text(
                    "{ref} 当前为“{stage}”；{hint}。",
                    "{ref} is {stage}; {hint}.",
                    {"ref": self.ref, "stage": self.stage_label(), "hint": HINTS[what.kind]},
                )
            )
        data: dict[str, Any] = {}
        if what.note:
            data["note"] = what.note
        for kind in MEETS.get(what.kind, frozenset()):
            self._settle(kind, DeadlineStatus.MET, what.at)
        handler = getattr(self, "_on_" + what.kind.value)
        handler(what, planner, ladder, data)
        if what.ticket:
            self.tickets = [*self.tickets, what.ticket]
            data["ticket"] = what.ticket
        if what.refund_no:
            self.refund_no = what.refund_no
            data["refund_no"] = what.refund_no
        return self.append_event(what.kind, what.at, now, data, actor)

    def miss(
        self, deadline: Deadline, now: datetime, planner: DeadlinePlanner, ladder: RungGuide
    ) -> list[Event]:
        """A deadline passed unanswered: record it and take the next step for the user.

        A missed review, answer, arrival or escalation deadline climbs to the next rung (with
        its own deadline); a missed 24-hour supplement means the platform treats the
        application as abandoned, so the case counts as rejected and must be escalated or
        submitted again; a closed no-reason window is only recorded.
        """
        deadline.settle(DeadlineStatus.MISSED, now)
        data = {
            "deadline": deadline.kind.value,
            "rule": deadline.rule_key,
            "round": deadline.round,
            "due_at": _utc_iso(deadline.due_at),
        }
        events = [self.append_event(EventKind.DEADLINE_MISSED, now, now, data, SYSTEM)]
        if deadline.kind == DeadlineKind.WINDOW or self.stage in (Stage.ARRIVED, Stage.CLOSED):
            return events
        if deadline.kind == DeadlineKind.SUPPLEMENT:
            self.stage = Stage.REJECTED
            self.deadlines.append(
                planner.plan(
                    self, DeadlineKind.ESCALATE, "escalate", now, self._next_round("escalate")
                )
            )
            return events
        target = ladder.next_rung_key(self)
        if target is not None:
            self._escalate_to(target, now, planner)
            escalated = {"rung": target, "after_missed": deadline.rule_key}
            events.append(self.append_event(EventKind.ESCALATED, now, now, escalated, SYSTEM))
        return events

    def attach(self, item: Evidence, now: datetime, actor: str | None = None) -> Event:
        self.evidence.append(item)
        return self.append_event(
            EventKind.EVIDENCE_ADDED,
            item.added_at,
            now,
            {
                "sha256": item.sha256,
                "name": item.original_name,
                "kind": item.kind.value,
                "size": item.size,
            },
            actor,
        )

    def set_province(
        self, province: str | None, now: datetime, actor: str | None = None
    ) -> Event | None:
        """Record the user's province (the police threshold and the small-claims cap depend
        on it) on the timeline; ``None`` when it is already the one given."""
        if province == self.province:
            return None
        data = {"province": province, "was": self.province}
        self.province = province
        return self.append_event(EventKind.PROVINCE_CHANGED, now, now, data, actor)

    def set_assignee(
        self, assignee: str | None, now: datetime, actor: str | None = None
    ) -> Event | None:
        """Hand the case to someone else on the team (``None``: to nobody), on the timeline;
        ``None`` when it is already theirs."""
        if assignee == self.assignee:
            return None
        data = {"assignee": assignee, "was": self.assignee}
        self.assignee = assignee
        return self.append_event(EventKind.ASSIGNEE_CHANGED, now, now, data, actor)

    def append_event(
        self,
        kind: EventKind,
        at: datetime,
        now: datetime,
        data: dict[str, Any],
        actor: str | None = None,
    ) -> Event:
        event = Event(kind, at, now, data, actor)
        event.seq = self.event_count + 1
        event.prev_hash = self.head_hash
        event.hash = event.compute_hash(self.ref)
        self.events.append(event)
        self.event_count = event.seq
        self.head_hash = event.hash
        self.updated_at = now
        return event

    def stage_label(self) -> Text:
        return self.stage.text()

    # ------------------------------------------------------------- transitions
    def _on_submitted(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self.stage = Stage.SUBMITTED
        if self.rung is None:
            self.rung = "refund_application"
        self.deadlines.append(
            planner.plan(self, DeadlineKind.REVIEW, "review", what.at, self._next_round("review"))
        )

    def _on_supplement_requested(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self.stage = Stage.SUPPLEMENT_REQUESTED
        self.deadlines.append(
            planner.plan(
                self,
                DeadlineKind.SUPPLEMENT,
                "supplement",
                what.at,
                self._next_round("supplement"),
            )
        )

    def _on_supplemented(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self.stage = Stage.SUBMITTED
        self.deadlines.append(
            planner.plan(self, DeadlineKind.REVIEW, "review", what.at, self._next_round("review"))
        )

    def _on_approved(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self.stage = Stage.APPROVED
        key = f"arrival.{self.channel.value}"
        self.deadlines.append(
            planner.plan(self, DeadlineKind.ARRIVAL, key, what.at, self._next_round(key))
        )

    def _on_rejected(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self.stage = Stage.REJECTED
        self.deadlines.append(
            planner.plan(
                self, DeadlineKind.ESCALATE, "escalate", what.at, self._next_round("escalate")
            )
        )

    def _on_arrived(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        received = what.amount if what.amount is not None else self.outstanding()
        if received <= 0:
            raise InvalidInput(
                Text(
                    "到账金额必须大于 0（收到 {amount}）",
                    "the amount received must be above 0 (got {amount})",
                    {"amount": str(received)},
                )
            )
        self.refunded = self.refunded + received
        data["amount"] = str(received)
        data["refunded_total"] = str(self.refunded)
        if self.refunded >= self.amount:
            self.stage = Stage.ARRIVED
            self._settle_all(DeadlineStatus.MET, what.at)
        else:
            data["outstanding"] = str(self.outstanding())
            if not any(d.kind == DeadlineKind.ARRIVAL and d.is_open for d in self.deadlines):
                key = f"arrival.{self.channel.value}"
                self.deadlines.append(
                    planner.plan(self, DeadlineKind.ARRIVAL, key, what.at, self._next_round(key))
                )
            self.stage = Stage.APPROVED

    def _on_escalated(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        target = ladder.is_rung(what.rung) if what.rung else ladder.next_rung_key(self)
        if target is None:
            raise TransitionRefused(
                Text(
                    "{ref} 已在维权阶梯的最后一级（{rung}），无法继续升级。",
                    "{ref} is on the last rung of the ladder ({rung}); there is nowhere higher.",
                    {"ref": self.ref, "rung": self.rung or "-"},
                )
            )
        self._escalate_to(target, what.at, planner)
        data["rung"] = target

    def _escalate_to(self, target: str, at: datetime, planner: DeadlinePlanner) -> None:
        self._settle_all(DeadlineStatus.CANCELLED, at)
        self.stage = Stage.ESCALATED
        self.rung = target
        self.filings = {**self.filings, target: _utc_iso(at)}
        key = f"rung.{target}"
        self.deadlines.append(
            planner.plan(self, DeadlineKind.RUNG, key, at, self._next_round(key), rung=target)
        )

    def _on_withdrawn(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self._settle_all(DeadlineStatus.CANCELLED, what.at)
        self.stage = Stage.CLOSED
        self.outcome = "withdrawn"

    def _on_closed(
        self, what: EventInput, planner: DeadlinePlanner, ladder: RungGuide, data: dict[str, Any]
    ) -> None:
        self._settle_all(DeadlineStatus.CANCELLED, what.at)
        self.outcome = "refunded" if self.stage == Stage.ARRIVED else (what.note or "closed")
        self.stage = Stage.CLOSED

    # ----------------------------------------------------------------- helpers
    def _settle(self, kind: DeadlineKind, status: DeadlineStatus, at: datetime) -> None:
        for deadline in self.deadlines:
            if deadline.kind == kind and deadline.is_open:
                deadline.settle(status, at)

    def _settle_all(self, status: DeadlineStatus, at: datetime) -> None:
        for deadline in self.deadlines:
            if deadline.is_open:
                deadline.settle(status, at)

    def _next_round(self, rule_key: str) -> int:
        return 1 + sum(1 for d in self.deadlines if d.rule_key == rule_key)

    def _check_time(self, at: datetime, now: datetime) -> None:
        if at.tzinfo is None:
            raise InvalidInput(Text("时间缺少时区", "the time has no zone"))
        local = at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        if at > now + CLOCK_SKEW:
            raise InvalidInput(
                Text(
                    "时间 {at} 在未来；只能记录已经发生的事（去掉 --at 表示现在）",
                    "{at} is in the future; record only what has happened (omit --at for now)",
                    {"at": local},
                )
            )
        if at < self.paid_at:
            raise InvalidInput(
                Text(
                    "时间 {at} 早于付款时间 {paid}；请检查 --at",
                    "{at} is before the payment at {paid}; check --at",
                    {
                        "at": local,
                        "paid": self.paid_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"),
                    },
                )
            )
        last = self.last_transition_at()
        if last is not None and at < last:
            raise TransitionRefused(
                Text(
                    "{ref} 的上一步记录于 {last}；新事件不能早于它（{at}）",
                    "{ref}'s last step was recorded at {last}; "
                    "a new event cannot come before it ({at})",
                    {
                        "ref": self.ref,
                        "last": last.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"),
                        "at": local,
                    },
                )
            )


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")
