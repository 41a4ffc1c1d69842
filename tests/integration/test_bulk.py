"""Imports on SQLite write through ``sqlite3`` (cases/store/bulk.py): the rows must be the
very rows SQLAlchemy Core writes for the same cases, column by column."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cases import services
from cases.bootstrap import bootstrap
from cases.ports import FixedClock
from cases.settings import Settings
from cases.store.uow import SqlCaseRepository
from cases.vocabulary import Channel, Reason
from tests.tui.conftest import T, new_case

TABLES = ["cases", "deadlines", "events", "evidence", "ref_counters"]


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in TABLES
        }


def _import(home: Path) -> list[str]:
    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / 'refundflow.db'}"
    ctx = bootstrap(Settings(home=home, database_url=url, lang="en"),
                    FixedClock(T("2026-11-20T10:00:00.654321+08:00")))
    start = T("2026-09-21T09:00:00+08:00")
    rows = [
        new_case(
            f"O-{n}", amount=Decimal("0.01") * (n + 1) * 997, channel=list(Channel)[n % 5],
            reason=list(Reason)[n % 9], merchant=None if n % 3 else f"店{n}",
            note=None if n % 2 else f"备注 \"{n}\"", assignee="李娜" if n % 4 == 1 else None,
            zone="America/New_York" if n % 6 == 5 else "Asia/Shanghai",
            paid_at=start - timedelta(days=n, microseconds=n),
            submitted_at=None if n % 5 == 4 else start + timedelta(days=n, seconds=n),
            refund_no=f"TK{n}" if n % 2 else None,
            rule_overrides={"review": "2 working days"} if n % 7 == 3 else {},
        )
        for n in range(40)
    ]
    refs = [case.ref for case in services.import_cases(ctx, rows, actor="tester")]
    refs.append(services.add_case(ctx, new_case("single")).ref)  # add() goes the same way
    ctx.engine.dispose()
    return refs


def test_bulk_rows_are_the_rows_core_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_home, core_home = tmp_path / "bulk", tmp_path / "core"
    bulk_refs = _import(bulk_home)
    with monkeypatch.context() as patch:
        patch.setattr(SqlCaseRepository, "add_many", SqlCaseRepository.insert_core)
        core_refs = _import(core_home)
    assert bulk_refs == core_refs
    bulk, core = _rows(bulk_home / "refundflow.db"), _rows(core_home / "refundflow.db")
    for table in TABLES:
        assert bulk[table] == core[table], table
    assert len(bulk["cases"]) == 41 and len(bulk["events"]) > 41 and bulk["deadlines"]
    # and the store reads them back as the same cases
    url = f"sqlite:///{bulk_home / 'refundflow.db'}"
    ctx = bootstrap(Settings(home=bulk_home, database_url=url, lang="en"))
    for ref in bulk_refs:
        case = services.get_case(ctx, ref)
        assert case.amount == Decimal(str(case.amount)) and case.paid_at.tzinfo is not None
    ctx.engine.dispose()


def test_a_repeated_hour_at_a_dst_change_is_stored_as_two_instants() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cases.store.bulk import _utc_text

    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second  # Python's rule for the same zone; the instants differ
    assert _utc_text(first) == "2026-11-01 05:30:00.000000"
    assert _utc_text(second) == "2026-11-01 06:30:00.000000"
    assert _utc_text(first.astimezone(ZoneInfo("UTC"))) == "2026-11-01 05:30:00.000000"
