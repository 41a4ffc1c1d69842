"""Ports: what the use cases need from the outside world, as abstract classes.

Real adapters live in ``cases/store`` (SQLAlchemy, the evidence folder) and in the
later packages; test fakes subclass these classes instead of patching.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from cases.model import Case
from cases.outbox import Notice, NoticeStatus
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


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


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

