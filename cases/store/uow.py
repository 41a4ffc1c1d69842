"""The SQLAlchemy unit of work and case repository."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from cases.i18n import Conflict, Text
from cases.model import Case
from cases.ports import CaseRepository, CaseSummary, UnitOfWork
from cases.store import orm
from cases.store.types import UTCDateTime
from cases.vocabulary import LIVE_STAGES, DeadlineStatus, Stage


class SqlCaseRepository(CaseRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> None:
        self.session.add(case)

    def get(self, ref: str) -> Case | None:
        query = (
            select(Case)
            .where(orm.cases.c.ref == ref.strip().upper())
            .options(
                selectinload(orm.relation(Case, "deadlines")),
                selectinload(orm.relation(Case, "events")),
                selectinload(orm.relation(Case, "evidence")),
            )
        )
        return self.session.scalars(query).first()

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

    def open_cases_for_order(self, platform: str, order_no: str) -> list[str]:
        stages = [s for s in Stage if s != Stage.CLOSED]
        return self._refs_for_order(platform, order_no, stages)

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


def case_summaries(
    session: Session, now: datetime, stage: Stage | None, overdue: bool
) -> list[CaseSummary]:
    """The caseload with each case's next open deadline, in two indexed queries.

    Plain Core queries (no ORM objects): listing 100,000 cases must stay well under a second.
    """
    c, d = orm.cases.c, orm.deadlines.c
    nxt = (
        select(d.case_id, func.min(d.due_at, type_=UTCDateTime()).label("due"))
        .where(d.status == DeadlineStatus.OPEN)
        .group_by(d.case_id)
    )
    if overdue:
        nxt = nxt.having(func.min(d.due_at) <= now)
    nxt_sub = nxt.subquery()
    query: Any = select(
        c.ref,
        c.platform,
        c.merchant,
        c.order_no,
        c.product,
        c.amount,
        c.currency,
        c.stage,
        c.rung,
        c.assignee,
        nxt_sub.c.due,
        d.kind,
        d.provisional,
    )
    join_kind = and_(
        d.case_id == nxt_sub.c.case_id,
        d.due_at == nxt_sub.c.due,
        d.status == DeadlineStatus.OPEN,
    )
    if overdue:
        query = query.select_from(orm.cases.join(nxt_sub, nxt_sub.c.case_id == c.id))
    else:
        query = query.select_from(orm.cases.outerjoin(nxt_sub, nxt_sub.c.case_id == c.id))
    query = query.outerjoin(orm.deadlines, join_kind)
    if stage is not None:
        query = query.where(c.stage == stage)
    seen: dict[str, CaseSummary] = {}
    for row in session.execute(query):
        if row.ref in seen:
            continue  # two deadlines due at the same instant: keep one
        due = row.due
        seen[row.ref] = CaseSummary(
            ref=row.ref,
            platform=row.platform,
            merchant=row.merchant,
            order_no=row.order_no,
            product=row.product,
            amount=str(row.amount),
            currency=row.currency,
            stage=Stage(row.stage),
            rung=row.rung,
            assignee=row.assignee,
            next_kind=None if row.kind is None else str(row.kind.value),
            next_due=due,
            next_provisional=bool(row.provisional),
            overdue=due is not None and due <= now,
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(seen.values(), key=lambda s: (not s.overdue, s.next_due or far, s.ref))


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self.factory()
        self.cases = SqlCaseRepository(self.session)
        return self

    def __exit__(self, *args: Any) -> None:
        # Detach first: what a use case returns stays readable after the session is gone,
        # and whatever was not committed is discarded by the rollback.
        self.session.expunge_all()
        super().__exit__(*args)
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
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
    orm.start_mappers()
    return sessionmaker(bind=engine, expire_on_commit=False)
