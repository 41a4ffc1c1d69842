"""Ports: what the use cases need from the outside world, as abstract classes.

Real adapters live in ``cases/store`` (SQLAlchemy, the evidence folder) and in the
later packages; test fakes subclass these classes instead of patching.
"""

from __future__ import annotations

import abc
import functools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from cases.model import Case
from cases.outbox import DeadlineDue, Mail, Notice, NoticeStatus
from cases.vocabulary import Stage


class Clock(abc.ABC):
    """The only source of "now" (aware, UTC) in refundflow."""

    @abc.abstractmethod
    def now(self) -> datetime: ...


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved: for tests and for ``REFUNDFLOW_NOW``."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class EvidenceFiles(abc.ABC):
    """A content-addressed store of evidence files that never modifies a file."""

    @abc.abstractmethod
    def put(self, source: Path) -> StoredFile:
        """Copy ``source`` in (idempotent for equal content) and return its hash and size."""

    @abc.abstractmethod
    def path_for(self, sha256: str) -> Path: ...

    @abc.abstractmethod
    def digest(self, sha256: str) -> str | None:
        """Hash the stored file again; ``None`` when it is missing."""


@dataclass(frozen=True)
class CaseSummary:
    """One row of the caseload: what a list needs, without loading the whole case."""

    ref: str
    platform: str
    merchant: str | None
    order_no: str
    product: str
    amount: str
    currency: str
    stage: Stage
    rung: str | None
    assignee: str | None
    next_kind: str | None
    next_due: datetime | None
    next_provisional: bool
    overdue: bool
    zone: str = "Asia/Shanghai"

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "platform": self.platform,
            "merchant": self.merchant,
            "order": self.order_no,
            "product": self.product,
            "amount": self.amount,
            "currency": self.currency,
            "stage": self.stage.value,
            "rung": self.rung,
            "assignee": self.assignee,
            "next_deadline": None
            if self.next_due is None
            else {
                "kind": self.next_kind,
                "due_at": self.next_due.astimezone(_zone(self.zone)).isoformat(),
                "provisional": self.next_provisional,
            },
            "overdue": self.overdue,
        }

    def stored_json(self) -> str:
        """``as_json`` as compact text without ``overdue`` (which depends on when it is
        read): the case row keeps it so a caseload listing is read, not rebuilt."""
        row = self.as_json()
        del row["overdue"]
        return json.dumps(row, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def of(cls, case: Case) -> CaseSummary:
        """The summary of a whole case (``overdue`` left false: it needs a time)."""
        nxt = case.next_deadline()
        return cls(
            case.ref, case.platform, case.merchant, case.order_no, case.product,
            str(case.amount), case.currency, case.stage, case.rung, case.assignee,
            None if nxt is None else nxt.kind.value, None if nxt is None else nxt.due_at,
            False if nxt is None else nxt.provisional, False, case.zone,
        )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class CaseKey(NamedTuple):
    """What a caseload screen filters, searches and orders by: one small row per case.

    A tuple, not a dataclass: the terminal UI holds one per case (100,000 of them) to
    filter and search in memory, and fetches only the rows it shows as :class:`CaseSummary`.
    """

    ref: str
    stage: Stage
    platform: str
    assignee: str | None
    order_no: str
    product: str
    merchant: str | None
    next_due: datetime | None


class CaseRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, case: Case) -> None: ...

    def add_many(self, cases: Sequence[Case]) -> None:
        """Add many new cases at once (an import); adapters may do it faster than ``add``."""
        for case in cases:
            self.add(case)

    @abc.abstractmethod
    def get(self, ref: str) -> Case | None: ...

    @abc.abstractmethod
    def allocate_refs(self, year: int, count: int) -> list[str]:
        """Reserve ``count`` consecutive references ``RF-<year>-NNNN`` inside this unit of work."""

    @abc.abstractmethod
    def reserve_ref(self, year: int, number: int) -> None:
        """Make sure later allocations for ``year`` come after ``number`` (restoring exports)."""

    @abc.abstractmethod
    def live_applications(self, platform: str, order_no: str) -> list[str]:
        """References of cases with a pending application for this order."""

    def live_applications_for(
        self, orders: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """:meth:`live_applications` for many (platform, order) pairs at once."""
        found = {pair: self.live_applications(*pair) for pair in set(orders)}
        return {pair: refs for pair, refs in found.items() if refs}

    @abc.abstractmethod
    def open_cases_for_order(self, platform: str, order_no: str) -> list[str]: ...

    @abc.abstractmethod
    def refs_for_order_no(self, order_no: str) -> list[str]:
        """References of every case with this order number, on any platform, oldest first."""

    @abc.abstractmethod
    def summaries(
        self, now: datetime, stage: Stage | None = None, overdue: bool = False
    ) -> list[CaseSummary]:
        """The caseload, most urgent first (overdue, then by next deadline)."""

    @abc.abstractmethod
    def all_refs(self) -> Iterator[str]: ...

    @abc.abstractmethod
    def refs_with_due_deadlines(self, now: datetime, limit: int) -> list[str]:
        """Cases with an open deadline due at or before ``now``, earliest first."""

    @abc.abstractmethod
    def next_due_at(self) -> datetime | None:
        """When the next open deadline falls due (for the exact timer)."""

    # The caseload screen of the terminal UI pages through these instead of loading every
    # summary; adapters answer them with small indexed queries. The defaults derive them
    # from :meth:`summaries` (correct, only slower) so fakes need not implement them.
    def most_urgent(self, now: datetime, limit: int) -> list[CaseSummary]:
        """The first ``limit`` rows of :meth:`summaries`, without ranking the whole caseload."""
        return self.summaries(now)[:limit]

    def caseload_keys(self, now: datetime) -> Iterator[CaseKey]:
        """Every case as a :class:`CaseKey`, in the order of :meth:`summaries`."""
        for row in self.summaries(now):
            yield CaseKey(
                row.ref, row.stage, row.platform, row.assignee, row.order_no, row.product,
                row.merchant, row.next_due,
            )

    def summaries_for(self, now: datetime, refs: Sequence[str]) -> list[CaseSummary]:
        """The summaries of these cases, in the order of ``refs`` (unknown ones left out)."""
        wanted = {ref: n for n, ref in enumerate(refs)}
        found = [row for row in self.summaries(now) if row.ref in wanted]
        return sorted(found, key=lambda row: wanted[row.ref])

    def change_marker(self) -> tuple[int, ...]:
        """A few numbers that change whenever any case changes (every change appends to a
        timeline): screens poll it to notice what other processes wrote."""
        return (len(list(self.all_refs())),)


class OutboxRepository(abc.ABC):
    """The notices waiting to be sent; ``add`` ignores a dedupe key already present."""

    @abc.abstractmethod
    def add(self, notice: Notice) -> bool:
        """Queue a notice; False when one with the same dedupe key exists (nothing changes)."""

    @abc.abstractmethod
    def list(self, status: NoticeStatus | None = None, limit: int = 200) -> list[Notice]: ...


class UnitOfWork(abc.ABC):
    """One transaction per use case: rolls back unless ``commit()`` was called."""

    cases: CaseRepository
    outbox: OutboxRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...



class NoticeQueue(OutboxRepository):
    """The outbox as the dispatcher works it: claim, mark, retry, hold.

    ``claim_due`` is a compare-and-set: it moves due notices to SENDING with a lease
    (``next_attempt_at`` = lease end) and returns only those it moved, so two dispatchers
    never send the same notice. A SENDING notice whose lease ran out (its dispatcher
    died) is due again: a crash loses no mail and repeats at most the one in flight.
    """

    @abc.abstractmethod
    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Notice]: ...

    @abc.abstractmethod
    def get_notice(self, notice_id: int) -> Notice | None: ...

    @abc.abstractmethod
    def mark_sent(self, notice_id: int, at: datetime) -> bool:
        """SENDING → SENT (one more try counted); False when it was not SENDING."""

    @abc.abstractmethod
    def mark_failed(
        self,
        notice_id: int,
        status: NoticeStatus,
        error: str,
        next_attempt_at: datetime | None,
        count_try: bool = True,
    ) -> bool:
        """SENDING → ``status`` (QUEUED to retry, FAILED, CANCELLED) with the error kept."""

    @abc.abstractmethod
    def release(self, notice_ids: Sequence[int], at: datetime | None) -> int:
        """SENDING → QUEUED without counting a try (claimed but not tried)."""

    @abc.abstractmethod
    def hold_queued(self, reason: str) -> int:
        """Every QUEUED notice → HELD with ``reason`` (mail is not set up)."""

    @abc.abstractmethod
    def release_held(self, at: datetime) -> int:
        """Every HELD notice → QUEUED, due at ``at`` (mail has been set up)."""

    @abc.abstractmethod
    def requeue(self, notice_id: int, at: datetime) -> bool:
        """A FAILED, HELD or CANCELLED notice → QUEUED with its tries reset."""

    @abc.abstractmethod
    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these dedupe keys are already in the outbox."""

    @abc.abstractmethod
    def deadlines_to_remind(self, missed_since: datetime) -> list[DeadlineDue]:
        """Open deadlines, and deadlines missed since ``missed_since`` whose case nobody has
        touched since (still waiting for someone), for the reminder plan."""


class Notifier(abc.ABC):
    """Delivers one finished mail; raises :class:`cases.outbox.DeliveryError` when it cannot.

    An adapter may keep its connection open between calls; ``close`` ends it.
    """

    @abc.abstractmethod
    def send(self, mail: Mail) -> None: ...

    def close(self) -> None:  # noqa: B027 (optional: adapters without a connection skip it)
        pass



@dataclass(frozen=True)
class CaseRun:
    """A case as the background service sees it: how far the case has got (its timeline)
    and how far its Prefect flow run has carried it out. ``flow_run_id`` is None before
    the run exists; ``seen_events`` is the timeline length the run last carried out."""

    ref: str
    stage: Stage
    event_count: int
    updated_at: datetime
    flow_run_id: str | None = None
    state: str | None = None
    seen_events: int | None = None
    generation: int = 0
    run_updated_at: datetime | None = None
    created_at: datetime | None = None


class RunBook(abc.ABC):
    """The case → flow-run map (``case_runs``) and each stage's result (``stage_work``).

    Every write is a compare-and-set, so two services (or a service and a worker) never
    start two runs for one case, and a run that was replaced cannot write over its successor.
    """

    @abc.abstractmethod
    def changed_since(self, since: datetime, limit: int = 5000) -> list[CaseRun]:
        """Cases whose ``updated_at`` is after ``since`` (one indexed query: the event pump)."""

    @abc.abstractmethod
    def behind(self, limit: int = 5000) -> list[CaseRun]:
        """Submitted cases with no run yet, or whose run has not carried out every event."""

    @abc.abstractmethod
    def runs(self, refs: Sequence[str]) -> list[CaseRun]: ...

    @abc.abstractmethod
    def in_states(self, states: Sequence[str], before: datetime | None = None,
                  limit: int = 5000) -> list[CaseRun]:
        """Cases whose run is in one of ``states``, last touched before ``before``."""

    @abc.abstractmethod
    def claim_start(self, ref: str, generation: int, now: datetime) -> int | None:
        """Take the right to create the case's run number ``generation + 1``; None if taken."""

    @abc.abstractmethod
    def started(self, ref: str, generation: int, flow_run_id: str, deployment: str,
                now: datetime) -> bool: ...

    @abc.abstractmethod
    def adopt(self, ref: str, flow_run_id: str, generation: int | None, now: datetime) -> bool:
        """Make ``flow_run_id`` the case's run (it starts executing), unless another run is:
        the run created for ``generation``, or (None) any run while the case has none."""

    @abc.abstractmethod
    def set_state(self, ref: str, flow_run_id: str, state: str, now: datetime,
                  seen_events: int | None = None, only_from: str | None = None) -> bool:
        """Record the run's state (and the events it carried out) if it is still the case's run."""

    @abc.abstractmethod
    def stage_result(self, ref: str, step: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def record_stage(self, ref: str, step: str, flow_run_id: str | None,
                     result: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Keep a stage's result unless one is kept already; return the one kept."""

    @abc.abstractmethod
    def stage_results(self, ref: str) -> dict[str, dict[str, Any]]: ...
