"""The queries the caseload screen pages through agree with ``summaries()`` on SQLite and
Postgres: same order, same rows, and a change marker that moves on every write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from cases import services
from cases.model import EventInput
from cases.outbox import Notice, NoticeKind
from cases.vocabulary import EventKind, Reason
from tests.tui.conftest import T, new_case


def _caseload(ctx: Any) -> None:
    """Ties on the due time, drafts without deadlines, settled and open deadlines."""
    start = T("2026-09-21T09:00:00+08:00")
    for n in range(14):
        # pairs submitted at the same minute share their review deadline
        submitted = start + timedelta(days=n // 2, hours=1)
        services.add_case(ctx, new_case(f"T-{n:02d}", submitted_at=submitted,
                                        amount=Decimal(10 + n), merchant=f"m{n % 3}"))
    for n in range(5):
        services.add_case(ctx, new_case(f"D-{n}"))  # drafts: nothing due
    services.add_case(ctx, new_case("W-1", reason=Reason.NOT_ACTIVATED,
                                    paid_at=T("2026-10-05T08:00:00+08:00")))
    services.record_event(ctx, "RF-2026-0003",
                          EventInput(EventKind.APPROVED, T("2026-10-04T09:00:00+08:00")))


def test_most_urgent_is_the_head_of_the_caseload(ctx: Any) -> None:
    _caseload(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        everything = uow.cases.summaries(now)
        for limit in (1, 3, 7, 14, 20, 50):
            assert uow.cases.most_urgent(now, limit) == everything[:limit], limit
        # small batches: ties cut at a batch's end and batches that must grow
        from cases.store.uow import most_urgent

        for batch in (1, 2, 3, 5):
            for limit in (1, 2, 5, 16, 25):
                assert most_urgent(uow.session, now, limit, batch) == everything[:limit]


def test_the_keys_come_in_the_caseload_order(ctx: Any) -> None:
    _caseload(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        everything = uow.cases.summaries(now)
        keys = list(uow.cases.caseload_keys(now))
    assert [k.ref for k in keys] == [s.ref for s in everything]
    first = keys[0]
    assert (first.platform, first.order_no) == ("115卡盟", "T-00")
    assert [k.next_due for k in keys] == [s.next_due for s in everything]
    assert {k.merchant for k in keys} == {"m0", "m1", "m2", None}


def test_a_page_by_reference_is_the_same_rows_in_the_order_asked(ctx: Any) -> None:
    _caseload(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        everything = {s.ref: s for s in uow.cases.summaries(now)}
        wanted = ["RF-2026-0019", "RF-2026-0003", "RF-2026-0001", "RF-9999-0001", "RF-2026-0020"]
        page = uow.cases.summaries_for(now, wanted)
    assert page == [everything[r] for r in wanted if r in everything]
    assert page[1].stage.value == "approved" and page[1].next_kind == "arrival"


def test_the_change_marker_moves_on_every_write(ctx: Any) -> None:
    def marker() -> tuple[int, ...]:
        with ctx.uow() as uow:
            return uow.cases.change_marker()

    before = marker()
    ref = services.add_case(ctx, new_case("M-1")).ref
    added = marker()
    services.record_event(ctx, ref, EventInput(EventKind.SUBMITTED, ctx.clock.now()))
    recorded = marker()
    with ctx.uow() as uow:
        uow.outbox.add(Notice("k-1", NoticeKind.TEST, ctx.clock.now(), ref))
        uow.commit()
    queued = marker()
    assert len({before, added, recorded, queued}) == 4
    assert marker() == queued  # and stands still while nothing is written


def test_the_sqlite3_first_screen_is_the_same_as_the_unit_of_works(ctx: Any) -> None:
    from cases.store.quick import most_urgent_sqlite, sqlite_path

    path = sqlite_path(ctx.settings.db_url)
    if path is None:
        pytest.skip("the shortcut is for SQLite only (Postgres takes the unit of work)")
    now = ctx.clock.now()
    assert most_urgent_sqlite(path, now, 5) is None  # no database file yet: the usual path
    _caseload(ctx)
    with ctx.uow() as uow:
        everything = uow.cases.summaries(now)
    for limit in (1, 6, 20, 40):
        assert most_urgent_sqlite(path, now, limit) == everything[:limit]
    assert sqlite_path("postgresql://host/db") is None
