"""Fakes for unit tests of the use cases: each subclasses the port it stands for."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cases.model import Case
from cases.outbox import Notice, NoticeStatus
from cases.planning import Ladder, Planner
from cases.ports import (
    CaseRepository,
    CaseSummary,
    Clock,
    EvidenceFiles,
    FixedClock,
    OutboxRepository,
    StoredFile,
    UnitOfWork,
)
from cases.provinces import ProvinceTable
from cases.rules import RuleBook
from cases.vocabulary import LIVE_STAGES, Stage
from cases.workdays import ChinaCalendar


class FakeRepository(CaseRepository):
    def __init__(self, store: dict[str, Case], counters: dict[int, int]) -> None:
        self.store = store
        self.counters = counters

    def add(self, case: Case) -> None:
        self.store[case.ref] = case

    def get(self, ref: str) -> Case | None:
        return self.store.get(ref.strip().upper())

    def allocate_refs(self, year: int, count: int) -> list[str]:
        start = self.counters.get(year, 0)
        self.counters[year] = start + count
        return [f"RF-{year}-{n:04d}" for n in range(start + 1, start + count + 1)]

    def reserve_ref(self, year: int, number: int) -> None:
        self.counters[year] = max(self.counters.get(year, 0), number)

    def live_applications(self, platform: str, order_no: str) -> list[str]:
        return [
            c.ref
            for c in self.store.values()
            if c.platform == platform and c.order_no == order_no and c.stage in LIVE_STAGES
        ]

    def refs_for_order_no(self, order_no: str) -> list[str]:
        return [c.ref for c in self.store.values() if c.order_no == order_no]

    def open_cases_for_order(self, platform: str, order_no: str) -> list[str]:
        return [
            c.ref
            for c in self.store.values()
            if c.platform == platform and c.order_no == order_no and c.stage != Stage.CLOSED
        ]

    def summaries(
        self, now: datetime, stage: Stage | None = None, overdue: bool = False
    ) -> list[CaseSummary]:
        raise NotImplementedError("summaries are tested against real databases")

    def all_refs(self) -> Iterator[str]:
        yield from sorted(self.store)

    def refs_with_due_deadlines(self, now: datetime, limit: int) -> list[str]:
        due = [
            (min(d.due_at for d in c.open_deadlines()), c.ref)
            for c in self.store.values()
            if any(d.due_at <= now for d in c.open_deadlines())
        ]
        return [ref for _, ref in sorted(due)[:limit]]

    def next_due_at(self) -> datetime | None:
        dues = [d.due_at for c in self.store.values() for d in c.open_deadlines()]
        return min(dues, default=None)


class FakeOutbox(OutboxRepository):
    def __init__(self, notices: dict[str, Notice]) -> None:
        self.notices = notices

    def add(self, notice: Notice) -> bool:
        if notice.dedupe_key in self.notices:
            return False
        self.notices[notice.dedupe_key] = notice
        return True

    def list(self, status: NoticeStatus | None = None, limit: int = 200) -> list[Notice]:
        found = [n for n in self.notices.values() if status is None or n.status == status]
        return found[:limit]


class FakeUnitOfWork(UnitOfWork):
    """Commits by swapping in a deep copy, so an uncommitted change is really lost."""

    def __init__(self) -> None:
        self.committed: dict[str, Case] = {}
        self.notices: dict[str, Notice] = {}
        self.counters: dict[int, int] = {}
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.cases = FakeRepository(copy.deepcopy(self.committed), dict(self.counters))
        self.outbox = FakeOutbox(dict(self.notices))
        return self

    def commit(self) -> None:
        assert isinstance(self.cases, FakeRepository)
        self.committed = copy.deepcopy(self.cases.store)
        assert isinstance(self.outbox, FakeOutbox)
        self.notices = dict(self.outbox.notices)
        self.counters = dict(self.cases.counters)
        self.commits += 1

    def rollback(self) -> None:
        pass


class FakeFiles(EvidenceFiles):
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, source: Path) -> StoredFile:
        data = source.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return StoredFile(sha, len(data))

    def path_for(self, sha256: str) -> Path:
        return Path("/fake") / sha256

    def digest(self, sha256: str) -> str | None:
        data = self.blobs.get(sha256)
        return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass
class FakeDeps:
    clock: Clock
    unit: FakeUnitOfWork = field(default_factory=FakeUnitOfWork)
    planner: Planner = field(default_factory=lambda: Planner(RuleBook(), ChinaCalendar()))
    ladder: Ladder = field(default_factory=Ladder)
    files: FakeFiles = field(default_factory=FakeFiles)
    provinces: ProvinceTable = field(default_factory=ProvinceTable.load)

    def uow(self) -> UnitOfWork:
        return self.unit

    def at(self, when: str) -> None:
        assert isinstance(self.clock, FixedClock)
        self.clock.at = datetime.fromisoformat(when)
