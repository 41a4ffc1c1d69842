"""The case store on real databases: SQLite (WAL, foreign keys) and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from cases import services
from cases.bootstrap import Context
from cases.i18n import Conflict
from cases.model import EventInput
from cases.services import NewCase
from cases.store import db as store_db
from cases.store.db import make_engine
from cases.store.uow import SqlUnitOfWork
from cases.vocabulary import Channel, EventKind, EvidenceKind, Reason, Stage

T = datetime.fromisoformat


def new_case(order: str = "A1001", **changes: object) -> NewCase:
    fields: dict[str, object] = dict(
        platform="115卡盟", order_no=order, product="腾讯视频会员年卡",
        amount=Decimal("128.00"), currency="CNY", channel=Channel.WECHAT,
        reason=Reason.NOT_AS_DESCRIBED, paid_at=T("2026-09-20T10:00:00+08:00"),
        zone="Asia/Shanghai",
    )
    fields.update(changes)
    return NewCase(**fields)  # type: ignore[arg-type]


def test_a_case_round_trips_with_exact_money_and_aware_times(ctx: Context) -> None:
    ref = services.add_case(ctx, new_case(amount=Decimal("0.10"))).ref
    services.record_event(
        ctx, ref, EventInput(EventKind.SUBMITTED, T("2026-09-30T18:00:00+08:00"), refund_no="R1")
    )
    case = services.get_case(ctx, ref)
    assert case.amount == Decimal("0.10") and isinstance(case.amount, Decimal)
    assert case.paid_at == T("2026-09-20T10:00:00+08:00") and case.paid_at.tzinfo is not None
    assert case.stage == Stage.SUBMITTED and case.refund_no == "R1"
    (review,) = case.open_deadlines()
    assert review.due_at == T("2026-10-11T00:00:00+08:00")
    assert review.kind.value == "review" and "2026-10-10" in review.rule_en
    assert services.verify_case(ctx, ref).ok  # hashes survive the database's time types


def test_references_count_per_year_without_gaps(ctx: Context) -> None:
    refs = [services.add_case(ctx, new_case(f"O{i}")).ref for i in range(3)]
    refs += [c.ref for c in services.import_cases(ctx, [new_case(f"P{i}") for i in range(3)])]
    assert refs == [f"RF-2026-{n:04d}" for n in range(1, 7)]


def test_a_case_is_found_by_its_order_number_on_any_platform(ctx: Context) -> None:
    first = services.add_case(ctx, new_case("KM-7")).ref
    assert services.get_case(ctx, "KM-7").ref == first
    assert services.get_case(ctx, first.lower()).ref == first
    second = services.add_case(ctx, new_case("KM-7", platform="易购卡盟")).ref
    with ctx.uow() as uow:
        assert uow.cases.refs_for_order_no("KM-7") == [first, second]
        assert uow.cases.refs_for_order_no("KM-8") == []


def test_a_lost_update_is_refused_by_the_version_column(ctx: Context) -> None:
    if ctx.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): see the concurrent-writer test")
    ref = services.add_case(ctx, new_case()).ref
    first, second = ctx.uow(), ctx.uow()
    with first, second:
        mine = first.cases.get(ref)
        theirs = second.cases.get(ref)
        assert mine is not None and theirs is not None
        mine.note = "mine"
        first.commit()
        theirs.note = "theirs"
        with pytest.raises(Conflict, match="changed by someone else"):
            second.commit()
    assert services.get_case(ctx, ref).note == "mine"


def test_concurrent_writers_never_lose_an_event(ctx: Context) -> None:
    ref = services.add_case(ctx, new_case()).ref
    errors: list[BaseException] = []

    def add(n: int) -> None:
        path = Path(ctx.settings.home) / f"shot-{n}.txt"
        path.write_text(f"screenshot {n}")
        try:
            services.add_evidence(ctx, ref, path, EvidenceKind.PROBLEM)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    case = services.get_case(ctx, ref)
    assert len(case.evidence) == 4
    assert services.verify_case(ctx, ref).ok


def test_failed_use_case_leaves_the_store_as_it_was(ctx: Context) -> None:
    ref = services.add_case(ctx, new_case()).ref
    services.record_event(ctx, ref, EventInput(EventKind.SUBMITTED, T("2026-09-30T18:00+08:00")))
    with pytest.raises(Exception, match="record an approval"):
        services.record_event(ctx, ref, EventInput(EventKind.ARRIVED, T("2026-10-01T18:00+08:00")))
    case = services.get_case(ctx, ref)
    assert (case.stage, case.event_count, len(case.deadlines)) == (Stage.SUBMITTED, 2, 1)


def test_overdue_listing_uses_each_cases_next_deadline(ctx: Context) -> None:
    late = services.add_case(ctx, new_case("LATE")).ref
    services.record_event(ctx, late, EventInput(EventKind.SUBMITTED, T("2026-09-21T09:00+08:00")))
    soon = services.add_case(ctx, new_case("SOON")).ref
    services.record_event(ctx, soon, EventInput(EventKind.SUBMITTED, T("2026-10-05T09:00+08:00")))
    services.add_case(ctx, new_case("DRAFT"))
    everything = services.list_cases(ctx)
    assert [s.ref for s in everything] == [late, soon, "RF-2026-0003"]
    assert everything[0].overdue and not everything[1].overdue
    assert everything[0].next_due == T("2026-09-25T00:00:00+08:00")
    overdue = services.list_cases(ctx, overdue=True)
    assert [s.ref for s in overdue] == [late]
    assert [s.ref for s in services.list_cases(ctx, stage=Stage.DRAFT)] == ["RF-2026-0003"]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(ctx: Context) -> None:
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_an_older_database_is_upgraded_in_place(db_url: str, home: Path, ctx: Context) -> None:
    engine = make_engine(db_url)
    store_db.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (ref, platform, order_no, product, amount, currency, channel,"
                " reason, paid_at, zone, rule_overrides, stage, tickets, refunded, head_hash,"
                " event_count, created_at, updated_at, version) VALUES ('RF-2026-0007', '115卡盟',"
                " 'OLD', '旧订单', '99.00', 'CNY', 'alipay', 'other', :t, 'Asia/Shanghai', '{}',"
                " 'draft', '[]', '0.00', :h, 0, :t, :t, 1)"
            ),
            {"t": T("2026-09-01T02:00:00+00:00").replace(tzinfo=None), "h": "0" * 64},
        )
    assert store_db.current_revision(engine) == "0001"
    engine.dispose()
    old = services.get_case(ctx, "RF-2026-0007")  # ctx upgrades on first use
    assert (old.product, old.amount, old.filings) == ("旧订单", Decimal("99.00"), {})
    assert store_db.current_revision(ctx.engine) == store_db.HEAD
    assert services.add_case(ctx, new_case()).ref == "RF-2026-0008"


def test_unit_of_work_rolls_back_unless_committed(ctx: Context) -> None:
    ref = services.add_case(ctx, new_case()).ref
    uow = ctx.uow()
    assert isinstance(uow, SqlUnitOfWork)
    with uow:
        case = uow.cases.get(ref)
        assert case is not None
        case.note = "never committed"
    assert services.get_case(ctx, ref).note is None


def test_two_callers_handle_each_due_deadline_once(ctx: Context) -> None:
    refs = []
    for i in range(6):
        ref = services.add_case(ctx, new_case(f"DUE{i}")).ref
        services.record_event(
            ctx, ref, EventInput(EventKind.SUBMITTED, T("2026-09-21T09:00:00+08:00"))
        )
        refs.append(ref)
    results: list[list[services.Handled]] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        results.append(services.handle_due_deadlines(ctx))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handled = sorted(h.ref for batch in results for h in batch)
    assert handled == refs  # each once, between the two callers
    with ctx.uow() as uow:
        notices = uow.outbox.list()
    assert sorted(n.dedupe_key for n in notices) == [f"{r}/review#1/missed" for r in refs]
    case = services.get_case(ctx, refs[0])
    assert case.stage == Stage.ESCALATED and case.rung == "platform_arbitration"
    assert services.verify_case(ctx, refs[0]).ok
    assert services.next_due_at(ctx) == case.open_deadlines()[0].due_at
