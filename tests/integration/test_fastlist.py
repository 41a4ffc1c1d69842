"""``case list --json`` answered by SQLite (cases/store/fastlist.py) gives exactly what the
ordinary path gives: same rows, same order, same due times in each case's own zone, after
every kind of write (import, events, escalations, a migration from 0005)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cases import services
from cases.bootstrap import Context, bootstrap
from cases.model import EventInput
from cases.ports import FixedClock
from cases.settings import Settings
from cases.store.fastlist import caseload_text, list_json
from cases.vocabulary import EventKind, Stage
from tests.conftest import Cli
from tests.tui.conftest import T, new_case

ZONES = ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "UTC", "Europe/London"]
MOMENTS = ["2026-10-05T10:00:00+08:00", "2026-11-03T09:00:00+08:00", "2027-03-20T12:00:00+00:00"]


@pytest.fixture
def sqlite_ctx(home: Path) -> Iterator[Context]:
    url = f"sqlite:///{home / 'refundflow.db'}"
    context = bootstrap(Settings(home=home, database_url=url, lang="en"),
                        FixedClock(T("2026-11-20T10:00:00+08:00")))
    yield context
    context.engine.dispose()


def _caseload(ctx: Context) -> None:
    """Cases in five zones (two with a DST change among the due times), due times with
    microseconds, same-minute ties, drafts without deadlines, text that JSON must escape."""
    start = T("2026-09-21T09:00:00+08:00")
    for n in range(20):
        zone = ZONES[n % len(ZONES)]
        ref = services.add_case(ctx, new_case(
            f"T-{n:02d}", zone=zone, submitted_at=start + timedelta(days=3 * (n // 2)),
            amount=Decimal(10 + n) / 4, merchant=None if n % 4 == 0 else f"店铺\"{n}\"\\",
            product=f"会员\t年卡\n{n} ✓", assignee="李娜" if n % 3 else None,
        )).ref
        if n % 5 == 1:  # a 24-hour supplement deadline from a time with microseconds
            at = start + timedelta(days=3 * (n // 2) + 1, microseconds=123456 + n)
            services.record_event(ctx, ref, EventInput(EventKind.SUPPLEMENT_REQUESTED, at))
        if n % 7 == 3:
            services.record_event(ctx, ref, EventInput(
                EventKind.APPROVED, start + timedelta(days=3 * (n // 2) + 2)))
    for n in range(4):
        services.add_case(ctx, new_case(f"D-{n}", zone=ZONES[n]))  # drafts: nothing due
    for n, zone in enumerate(["America/New_York", "Europe/London"]):  # due after DST ends
        services.add_case(ctx, new_case(f"W-{n}", zone=zone,
                                        submitted_at=T("2026-10-29T09:00:00+08:00")))
    # missed deadlines: escalations open the next rung's deadline on the same case row
    assert services.handle_due_deadlines(ctx, T("2026-10-01T00:00:00+08:00"))


def _ordinary(ctx: Context, now: datetime, stage: Stage | None, overdue: bool) -> list[Any]:
    with ctx.uow() as uow:
        return [s.as_json() for s in uow.cases.summaries(now, stage=stage, overdue=overdue)]


def _fast(home: Path, now: datetime, stage: Stage | None, overdue: bool,
          page: int | None = None) -> list[Any]:
    conn = sqlite3.connect(home / "refundflow.db", isolation_level=None)
    try:
        text = caseload_text(conn, now, stage.value if stage else None, overdue,
                             *([page] if page else []))
    finally:
        conn.close()
    assert text is not None
    return json.loads(text)  # type: ignore[no-any-return]


def test_the_same_caseload_as_the_ordinary_path(sqlite_ctx: Context, home: Path) -> None:
    _caseload(sqlite_ctx)
    stages = {None, Stage.SUBMITTED, Stage.DRAFT, Stage.SUPPLEMENT_REQUESTED, Stage.APPROVED}
    for moment in MOMENTS:
        now = T(moment)
        for stage in stages:
            for overdue in (False, True):
                expected = _ordinary(sqlite_ctx, now, stage, overdue)
                assert _fast(home, now, stage, overdue) == expected, (
                    moment, stage, overdue)
                # pages that end inside a run of equal due times, and on the last row
                for page in (1, 2, 3, 7):
                    assert _fast(home, now, stage, overdue, page) == expected, (
                        moment, stage, overdue, page)
    everything = _ordinary(sqlite_ctx, T(MOMENTS[1]), None, False)
    assert len(everything) == 26 and everything[-1]["next_deadline"] is None
    due = {row["next_deadline"]["due_at"] for row in everything if row["next_deadline"]}
    assert any("." in text for text in due)  # microseconds kept
    assert {text[-6:] for text in due} >= {"+08:00", "+05:30", "+00:00", "-04:00", "-05:00"}


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"REFUNDFLOW_HOME": str(home), "REFUNDFLOW_NOW": MOMENTS[1], **extra}


def test_list_json_reads_the_settings_and_declines_what_it_does_not_know(
    sqlite_ctx: Context, home: Path
) -> None:
    _caseload(sqlite_ctx)
    now = T(MOMENTS[1])
    out = list_json(["--overdue", "--json"], _env(home))
    assert out is not None
    assert json.loads(out) == _ordinary(sqlite_ctx, now, None, True)
    staged = list_json(["--json", "--stage", "submitted"], _env(home))
    assert staged is not None
    assert json.loads(staged) == _ordinary(sqlite_ctx, now, Stage.SUBMITTED, False)
    # the clock from config.toml when the environment has none
    (home / "config.toml").write_text(f'now = "{MOMENTS[2]}"\n', encoding="utf-8")
    later = list_json(["--json"], {"REFUNDFLOW_HOME": str(home)})
    assert later is not None
    assert json.loads(later) == _ordinary(sqlite_ctx, T(MOMENTS[2]), None, False)
    # anything else goes to the ordinary path, which also explains mistakes
    for args, env in [
        (["--overdue"], _env(home)),  # a table, not JSON
        (["--json", "--stage", "nonsense"], _env(home)),
        (["--json", "--help"], _env(home)),
        (["--json"], _env(home, REFUNDFLOW_NOW="2026-11-03T09:00")),  # no zone
        (["--json"], _env(home, REFUNDFLOW_DATABASE_URL="postgresql://db/refundflow")),
        (["--json"], _env(home / "elsewhere")),  # no database yet
    ]:
        assert list_json(args, env) is None, (args, env)
    with sqlite3.connect(home / "refundflow.db") as conn:  # a database not yet upgraded
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert list_json(["--json"], _env(home)) is None


def test_the_command_prints_what_the_use_case_lists(
    sqlite_ctx: Context, home: Path, cli: Cli
) -> None:
    _caseload(sqlite_ctx)
    now = T(MOMENTS[1])
    result = cli("case", "list", "--overdue", "--json", REFUNDFLOW_NOW=MOMENTS[1])
    assert json.loads(result.stdout) == _ordinary(sqlite_ctx, now, None, True)
    assert result.stderr == ""
    table = cli("case", "list", "--stage", "draft", REFUNDFLOW_NOW=MOMENTS[1]).stdout
    assert "RF-2026-0021" in table and "RF-2026-0001" not in table


def test_an_older_database_gets_its_next_deadlines_filled_in(
    sqlite_ctx: Context, home: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    from cases.store.db import MIGRATIONS, ensure_schema

    _caseload(sqlite_ctx)
    now = T(MOMENTS[1])
    expected = _ordinary(sqlite_ctx, now, None, False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with sqlite_ctx.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    ensure_schema(sqlite_ctx.engine)  # what the next start does
    assert _fast(home, now, None, False) == expected
    assert _ordinary(sqlite_ctx, now, None, False) == expected


def test_a_reader_that_stops_early_gets_no_traceback(sqlite_ctx: Context, cli: Cli) -> None:
    import subprocess

    from tests.conftest import REFUNDFLOW

    submitted = T("2026-10-01T09:00:00+08:00")
    services.import_cases(sqlite_ctx, [  # more than a pipe holds (64 KiB)
        new_case(f"P-{n}", submitted_at=submitted, product="会员" * 40) for n in range(400)
    ])
    for args in (["--json"], ["--json", "--stage", "submitted", "--overdue"], []):
        proc = subprocess.Popen([REFUNDFLOW, "case", "list", *args], env=cli.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)
        proc.stdout.close()  # like `| head -c 1`
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
        assert "Traceback" not in err and "internal error" not in err, (args, err)


def test_the_default_home_is_found_without_loading_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess
    import sys

    monkeypatch.delenv("REFUNDFLOW_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    home = tmp_path / "data" / "refundflow"
    assert Settings().home == home  # where the ordinary path looks
    home.mkdir(parents=True)
    url = f"sqlite:///{home / 'refundflow.db'}"
    ctx = bootstrap(Settings(database_url=url), FixedClock(T(MOMENTS[1])))
    services.add_case(ctx, new_case("H-1", submitted_at=T("2026-10-08T09:00:00+08:00")))
    ctx.engine.dispose()
    out = list_json(["--json"], {"REFUNDFLOW_NOW": MOMENTS[1]})
    assert out is not None and json.loads(out)[0]["order"] == "H-1"
    # and in a process of its own, without pydantic (start-up is the point of this path)
    probe = ("import sys; from cases.store.fastlist import list_json; "
             "out = list_json(['--json']); print(out is not None, 'pydantic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "REFUNDFLOW_NOW": MOMENTS[1]}, timeout=60)
    assert done.stdout.split() == ["True", "False"], done.stderr
