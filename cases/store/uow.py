"""The SQLAlchemy unit of work and the case repository (a hand-written data mapper)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cases.i18n import Conflict, Text
from cases.model import Case, Deadline, Event, Evidence
from cases.ports import CaseKey, CaseRepository, CaseSummary, UnitOfWork
from cases.store import orm
from cases.store.outbox import SqlOutboxRepository
from cases.store.quick import first_refs
from cases.store.types import UTCDateTime
from cases.vocabulary import LIVE_STAGES, DeadlineStatus, Stage


@dataclass
class _Loaded:
    """What a case looked like when it was read: to write back only what changed."""

    case_id: int
    version: int
    events: int
    evidence: int
    deadlines: dict[int, tuple[int, DeadlineStatus, datetime | None]]  # id(obj) → row, state


class SqlCaseRepository(CaseRepository):
    """Maps cases to rows and back by hand: the domain objects stay plain Python.

    ``get`` remembers each case's row id, version and children; ``flush`` (at commit)
    inserts new cases, updates changed ones under an optimistic lock on ``version``,
    appends new events and evidence, and writes deadlines whose status changed.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._new: list[Case] = []
        self._loaded: dict[int, tuple[Case, _Loaded]] = {}

    def add(self, case: Case) -> None:
        self._new.append(case)

    def add_many(self, cases: Sequence[Case]) -> None:
        """Insert new cases: on SQLite through the driver (:mod:`cases.store.bulk`), on
        other databases with Core statements in chunks (imports of 10,000 cases)."""
        conn = self.session.connection()
        if conn.dialect.name == "sqlite" and cases:
            from cases.store.bulk import add_cases

            driver = conn.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            add_cases(driver, cases)
        else:
            self.insert_core(cases)

    def insert_core(self, cases: Sequence[Case]) -> None:
        """``add_many`` with SQLAlchemy Core: every database (and the reference for bulk)."""
        conn = self.session.connection()
        for start in range(0, len(cases), CHUNK):
            chunk = cases[start : start + CHUNK]
            ids = (
                conn.execute(
                    insert(orm.cases).returning(orm.cases.c.id, sort_by_parameter_order=True),
                    [_values(orm.cases, case, version=1, **next_columns(case)) for case in chunk],
                )
                .scalars()
                .all()
            )
            children: dict[Table, list[dict[str, Any]]] = {
                orm.deadlines: [],
                orm.events: [],
                orm.evidence: [],
            }
            for case_id, case in zip(ids, chunk, strict=True):
                for table, items in (
                    (orm.deadlines, case.deadlines),
                    (orm.events, case.events),
                    (orm.evidence, case.evidence),
                ):
                    children[table].extend(_values(table, item, case_id=case_id) for item in items)
            for table, rows in children.items():
                if rows:
                    conn.execute(insert(table), rows)

    def get(self, ref: str) -> Case | None:
        row = (
            self.session.execute(select(orm.cases).where(orm.cases.c.ref == ref.strip().upper()))
            .mappings()
            .first()
        )
        if row is None:
            return None
        case_id = row["id"]
        case = _plain(Case, row, skip=("id", "version", *NEXT_COLUMNS))
        deadlines = self._children(orm.deadlines, Deadline, case_id)
        case.deadlines = [item for _, item in deadlines]
        case.events = [item for _, item in self._children(orm.events, Event, case_id)]
        case.evidence = [item for _, item in self._children(orm.evidence, Evidence, case_id)]
        loaded = _Loaded(
            case_id,
            row["version"],
            len(case.events),
            len(case.evidence),
            {id(d): (row_id, d.status, d.handled_at) for row_id, d in deadlines},
        )
        self._loaded[id(case)] = (case, loaded)
        return case

    def _children(self, table: Table, cls: type[T], case_id: int) -> list[tuple[int, T]]:
        query = select(table).where(table.c.case_id == case_id).order_by(table.c.id)
        return [
            (child["id"], _plain(cls, child, skip=("id", "case_id")))
            for child in self.session.execute(query).mappings()
        ]

    def flush(self) -> None:
        """Write what changed since ``get`` and what ``add`` added; a stale case raises."""
        if self._new:
            self.add_many(self._new)
            self._new = []
        conn = self.session.connection()
        for case, loaded in self._loaded.values():
            values = _values(orm.cases, case, version=loaded.version + 1, **next_columns(case))
            del values["ref"]
            result = conn.execute(
                update(orm.cases)
                .where(orm.cases.c.id == loaded.case_id, orm.cases.c.version == loaded.version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise StaleCase(case.ref)
            fresh: dict[Table, list[dict[str, Any]]] = {orm.events: [], orm.evidence: []}
            fresh[orm.events] = [
                _values(orm.events, e, case_id=loaded.case_id) for e in case.events[loaded.events :]
            ]
            fresh[orm.evidence] = [
                _values(orm.evidence, e, case_id=loaded.case_id)
                for e in case.evidence[loaded.evidence :]
            ]
            fresh[orm.deadlines] = []
            for deadline in case.deadlines:
                known = loaded.deadlines.get(id(deadline))
                if known is None:
                    fresh[orm.deadlines].append(
                        _values(orm.deadlines, deadline, case_id=loaded.case_id)
                    )
                elif (deadline.status, deadline.handled_at) != known[1:]:
                    conn.execute(
                        update(orm.deadlines)
                        .where(orm.deadlines.c.id == known[0])
                        .values(status=deadline.status, handled_at=deadline.handled_at)
                    )
            for table, rows in fresh.items():
                if rows:
                    conn.execute(insert(table), rows)
            loaded.version += 1  # a second flush in the same unit of work stays consistent
        self._loaded.clear()

    def allocate_refs(self, year: int, count: int) -> list[str]:
        table = orm.ref_counters
        row = self.session.execute(
            select(table.c.last).where(table.c.year == year).with_for_update()
        ).first()
        if row is None:
            start = 0
            self.session.execute(table.insert().values(year=year, last=count))
        else:
            start = row[0]
            self.session.execute(
                update(table).where(table.c.year == year).values(last=start + count)
            )
        return [f"RF-{year}-{n:04d}" for n in range(start + 1, start + count + 1)]

    def reserve_ref(self, year: int, number: int) -> None:
        table = orm.ref_counters
        last = self.session.execute(
            select(table.c.last).where(table.c.year == year).with_for_update()
        ).scalar()
        if last is None:
            self.session.execute(table.insert().values(year=year, last=number))
        elif last < number:
            self.session.execute(update(table).where(table.c.year == year).values(last=number))

    def live_applications(self, platform: str, order_no: str) -> list[str]:
        return self._refs_for_order(platform, order_no, list(LIVE_STAGES))

    def live_applications_for(
        self, orders: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        c = orm.cases.c
        wanted = set(orders)
        numbers = sorted({order for _, order in wanted})
        found: dict[tuple[str, str], list[str]] = {}
        for start in range(0, len(numbers), 500):
            query = select(c.ref, c.platform, c.order_no).where(
                c.order_no.in_(numbers[start : start + 500]), c.stage.in_(list(LIVE_STAGES))
            )
            for ref, platform, order_no in self.session.execute(query):
                if (platform, order_no) in wanted:
                    found.setdefault((platform, order_no), []).append(ref)
        return found

    def open_cases_for_order(self, platform: str, order_no: str) -> list[str]:
        stages = [s for s in Stage if s != Stage.CLOSED]
        return self._refs_for_order(platform, order_no, stages)

    def refs_for_order_no(self, order_no: str) -> list[str]:
        c = orm.cases.c
        query = select(c.ref).where(c.order_no == order_no).order_by(c.id)
        return list(self.session.scalars(query))

    def _refs_for_order(self, platform: str, order_no: str, stages: Sequence[Stage]) -> list[str]:
        c = orm.cases.c
        query = select(c.ref).where(
            c.platform == platform, c.order_no == order_no, c.stage.in_(stages)
        )
        return list(self.session.scalars(query))

    def summaries(
        self, now: datetime, stage: Stage | None = None, overdue: bool = False
    ) -> list[CaseSummary]:
        return case_summaries(self.session, now, stage, overdue)

    def all_refs(self) -> Iterator[str]:
        yield from self.session.scalars(select(orm.cases.c.ref).order_by(orm.cases.c.id))

    def refs_with_due_deadlines(self, now: datetime, limit: int) -> list[str]:
        c, d = orm.cases.c, orm.deadlines.c
        first_due = func.min(d.due_at)
        query = (
            select(c.ref)
            .join(orm.deadlines, d.case_id == c.id)
            .where(d.status == DeadlineStatus.OPEN, d.due_at <= now)
            .group_by(c.ref)
            .order_by(first_due)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def next_due_at(self) -> datetime | None:
        d = orm.deadlines.c
        query = select(func.min(d.due_at, type_=UTCDateTime())).where(
            d.status == DeadlineStatus.OPEN
        )
        return self.session.execute(query).scalar()

    def most_urgent(self, now: datetime, limit: int) -> list[CaseSummary]:
        return most_urgent(self.session, now, limit)

    def caseload_keys(self, now: datetime) -> Iterator[CaseKey]:
        return caseload_keys(self.session)

    def summaries_for(self, now: datetime, refs: Sequence[str]) -> list[CaseSummary]:
        return summaries_for(self.session, now, refs)

    def change_marker(self) -> tuple[int, ...]:
        return change_marker(self.session)


CHUNK = 2000


NEXT_COLUMNS = ("next_due_at", "next_kind", "next_provisional", "summary")


def next_columns(case: Case) -> dict[str, Any]:
    """The case row's copy of its next open deadline and of its caseload row (the read
    model of migration 0006)."""
    summary = CaseSummary.of(case)
    return {
        "next_due_at": summary.next_due,
        "next_kind": summary.next_kind,
        "next_provisional": None if summary.next_due is None else summary.next_provisional,
        "summary": summary.stored_json(),
    }


def _values(table: Table, item: object, **fixed: Any) -> dict[str, Any]:
    """A domain object's column values for a Core statement (ids come from the database)."""
    state = vars(item)
    row = {col.key: state.get(col.key) for col in table.columns if col.key != "id"}
    row.update(fixed)
    return row


T = TypeVar("T")


def _plain(cls: type[T], row: Any, skip: tuple[str, ...]) -> T:
    """A domain object from a row, without running ``__init__`` (its columns are its state)."""
    item = cls.__new__(cls)
    item.__dict__.update({key: value for key, value in row.items() if key not in skip})
    return item


def case_summaries(
    session: Session, now: datetime, stage: Stage | None, overdue: bool
) -> list[CaseSummary]:
    """The caseload with each case's next open deadline, most urgent first.

    Two plain queries merged in Python: the open deadlines in (case, due) order, first one
    per case kept, and the cases themselves. Joining a ranked (window) subquery instead let
    SQLite 3.40 re-scan it for every case: seconds at 10,000 cases, minutes at 100,000.
    With ``overdue`` only deadlines already due are read (the (status, due_at) index).
    """
    c, d = orm.cases.c, orm.deadlines.c
    pending = (
        select(d.case_id, d.due_at, d.kind, d.provisional)
        .where(d.status == DeadlineStatus.OPEN)
        .order_by(d.case_id, d.due_at, d.id)
    )
    if overdue:
        pending = pending.where(d.due_at <= now)
    first: dict[int, tuple[datetime, Any, bool]] = {}
    for case_id, due, kind, provisional in session.execute(pending):
        first.setdefault(case_id, (due, kind, provisional))
    query = select(
        c.id, c.ref, c.platform, c.merchant, c.order_no, c.product, c.amount, c.currency,
        c.stage, c.rung, c.assignee, c.zone,
    )
    if stage is not None:
        query = query.where(c.stage == stage)
    if overdue:
        due_now = select(d.case_id).where(d.status == DeadlineStatus.OPEN, d.due_at <= now)
        query = query.where(c.id.in_(due_now))
    rows: list[CaseSummary] = []
    none: tuple[None, None, bool] = (None, None, False)
    for (
        case_id, ref, platform, merchant, order_no, product, amount, currency, stage_, rung,
        assignee, zone,
    ) in session.execute(query):
        due, kind, provisional = first.get(case_id, none)
        rows.append(
            CaseSummary(
                ref, platform, merchant, order_no, product, str(amount), currency, stage_, rung,
                assignee, None if kind is None else kind.value, due, bool(provisional),
                due is not None and due <= now, zone,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda s: (s.next_due is None, s.next_due or far, s.ref))
    return rows


# ------------------------------------------------------------------ caseload paging (TUI)
# Ranking the whole caseload by urgency costs ~0.1-0.2 s of SQL at 100,000 cases, too slow
# for a keystroke. The terminal UI therefore reads the order once (caseload_keys), filters
# it in memory, and fetches only the rows on screen (summaries_for); its first screen comes
# from most_urgent, which walks the (status, due_at) index and stops early.
def summaries_for(session: Session, now: datetime, refs: Sequence[str]) -> list[CaseSummary]:
    """The summaries of ``refs`` in that order: one page of the caseload.

    Two index lookups (the cases by reference, then their deadlines by case) instead of one
    query with a window function, which SQLite would run over every open deadline.
    """
    if not refs:
        return []
    c, d = orm.cases.c, orm.deadlines.c
    cases_query = select(
        c.id, c.ref, c.platform, c.merchant, c.order_no, c.product, c.amount, c.currency,
        c.stage, c.rung, c.assignee, c.zone,
    ).where(c.ref.in_(list(refs)))
    rows = {row[1]: row for row in session.execute(cases_query).tuples()}
    earliest: dict[int, tuple[datetime, int, Any, bool]] = {}
    if rows:
        # The status is checked here, not in SQL: with it in the WHERE clause SQLite picks
        # the (status, due_at) index and reads every open deadline (0.1 s at 100,000 cases).
        deadline_query = select(
            d.case_id, d.due_at, d.id, d.kind, d.provisional, d.status
        ).where(d.case_id.in_([row[0] for row in rows.values()]))
        for case_id, due, deadline_id, kind, provisional, status in session.execute(
            deadline_query
        ):
            if status != DeadlineStatus.OPEN:
                continue
            known = earliest.get(case_id)
            if known is None or (due, deadline_id) < known[:2]:
                earliest[case_id] = (due, deadline_id, kind, bool(provisional))
    found = []
    for ref in refs:
        row = rows.get(ref)
        if row is None:
            continue
        case_id, _, platform, merchant, order_no, product, amount, currency = row[:8]
        stage, rung, assignee, zone = row[8:]
        nxt = earliest.get(case_id)
        due = None if nxt is None else nxt[0]
        found.append(
            CaseSummary(
                ref, platform, merchant, order_no, product, str(amount), currency, stage, rung,
                assignee, None if nxt is None else nxt[2].value, due,
                False if nxt is None else nxt[3], due is not None and due <= now, zone,
            )
        )
    return found


def most_urgent(
    session: Session, now: datetime, limit: int, first_batch: int | None = None
) -> list[CaseSummary]:
    """The first ``limit`` rows of :func:`case_summaries`, reading only the earliest open
    deadlines from the (status, due_at) index instead of ranking every case (the choice
    is :func:`cases.store.quick.first_refs`, shared with the TUI's sqlite3 first screen)."""
    c, d = orm.cases.c, orm.deadlines.c

    def batch(size: int) -> Sequence[tuple[Any, Any, str]]:
        query = (
            select(d.case_id, d.due_at, c.ref)
            .join(orm.cases, c.id == d.case_id)
            .where(d.status == DeadlineStatus.OPEN)
            .order_by(d.due_at)
            .limit(size)
        )
        return list(session.execute(query).tuples())

    def rest(size: int) -> list[str]:
        has_open = (
            select(d.id).where(d.case_id == c.id, d.status == DeadlineStatus.OPEN).exists()
        )
        return list(session.scalars(select(c.ref).where(~has_open).order_by(c.ref).limit(size)))

    return summaries_for(session, now, first_refs(batch, rest, limit, first_batch))


def caseload_keys(session: Session) -> Iterator[CaseKey]:
    """Every case's :class:`CaseKey` in urgency order, streamed in chunks (100,000 rows
    would otherwise sit in memory twice)."""
    c, d = orm.cases.c, orm.deadlines.c
    due = func.min(d.due_at, type_=UTCDateTime()).label("due")
    nxt = (
        select(d.case_id, due)
        .where(d.status == DeadlineStatus.OPEN)
        .group_by(d.case_id)
        .subquery()
    )
    query = (
        select(
            c.ref, c.stage, c.platform, c.assignee, c.order_no, c.product, c.merchant,
            nxt.c.due,
        )
        .select_from(orm.cases.outerjoin(nxt, nxt.c.case_id == c.id))
        .order_by(nxt.c.due.is_(None), nxt.c.due, c.ref)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(query).tuples():
        yield CaseKey._make(row)


def change_marker(session: Session) -> tuple[int, ...]:
    """Numbers that move whenever anything is written: the newest case and event ids, how
    many of the last 1,000 event ids exist (a transaction that committed late with an older
    id fills a gap), the newest outbox id. All are primary-key lookups: polled every ~2 s."""
    e = orm.events.c
    top = select(func.coalesce(func.max(e.id), 0)).scalar_subquery()
    query = select(
        select(func.coalesce(func.max(orm.cases.c.id), 0)).scalar_subquery(),
        top,
        select(func.count()).select_from(orm.events).where(e.id > top - 1000).scalar_subquery(),
        select(func.coalesce(func.max(orm.outbox.c.id), 0)).scalar_subquery(),
    )
    row = session.execute(query).one()
    return tuple(int(value) for value in row)


class StaleCase(Exception):
    """Another writer changed the case between our read and our write."""


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self.factory()
        self.cases = self.repo = SqlCaseRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        return self

    def __exit__(self, *args: Any) -> None:
        super().__exit__(*args)
        self.session.close()

    def commit(self) -> None:
        try:
            self.repo.flush()
            self.session.commit()
        except StaleCase as exc:
            self.session.rollback()
            raise Conflict(
                Text(
                    "案件在此期间已被他人修改；请重新读取后再试",
                    "the case was changed by someone else meanwhile; reload it and try again",
                )
            ) from exc
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(
                Text(
                    "保存失败：与已有记录冲突（{detail}）；请重试",
                    "could not save: it clashes with a stored record ({detail}); try again",
                    {"detail": str(exc.orig).splitlines()[0]},
                )
            ) from exc

    def rollback(self) -> None:
        self.session.rollback()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
