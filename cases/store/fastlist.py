"""``refundflow case list --json`` on a SQLite home, answered by SQLite itself.

Scripts call ``case list --overdue --json`` often and on large caseloads, and the ordinary
path pays for SQLAlchemy, pydantic and one Python object per row before printing: about
2 s at 100,000 cases, most of it start-up and building the rows. Here the standard
library's ``sqlite3`` runs one read-only query: each case row carries its next open
deadline (migration 0006), so SQLite walks the ``(next_due_at, ref)`` index in order and
builds each row's JSON object in C; Python only joins the rows. The result is the same
list the ordinary path prints (``tests`` compare the two on the same database, zone by
zone).

Nothing here decides anything the ordinary path does not: the settings are read the way
:class:`cases.settings.Settings` reads them (environment, then ``config.toml``, then the
default home), and anything unusual (another database, an older schema, an option this
path does not know, a setting it cannot read) returns ``None`` so the caller takes the
ordinary path, which also gives the proper message for a mistake.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
STORED = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite dialect stores a datetime (naive UTC, always 26 characters)."""


def list_json(args: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The output of ``refundflow case list ARGS`` when this path can give it, else ``None``."""
    options = _options(args)
    if options is None:
        return None
    stage, overdue = options
    where = _where(os.environ if environ is None else environ)
    if where is None:
        return None
    path, now, zone = where
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5,
                               isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        rows = caseload_json(conn, now or datetime.now(UTC), stage, overdue, zone)
    except (sqlite3.Error, ValueError, KeyError):
        return None
    finally:
        conn.close()
    return None if rows is None else "[" + ",".join(rows) + "]"


def _options(args: Sequence[str]) -> tuple[str | None, bool] | None:
    """(stage, overdue) for ``--json [--overdue] [--stage S]``; ``None`` for anything else."""
    from cases.vocabulary import Stage

    stage: str | None = None
    overdue = as_json = False
    items = list(args)
    while items:
        item = items.pop(0)
        if item == "--json":
            as_json = True
        elif item == "--overdue":
            overdue = True
        elif item == "--stage" and items:
            stage = items.pop(0)
        elif item.startswith("--stage="):
            stage = item.removeprefix("--stage=")
        else:
            return None
    if not as_json or (stage is not None and stage not in {s.value for s in Stage}):
        return None
    return stage, overdue


def _where(environ: Mapping[str, str]) -> tuple[Path, datetime | None, str] | None:
    """The database file, the frozen clock and the home's zone, read as ``Settings`` does."""
    env = {key.upper(): value for key, value in environ.items()
           if key.upper().startswith("REFUNDFLOW_")}
    if "REFUNDFLOW_HOME" in env:
        home = Path(env["REFUNDFLOW_HOME"]).expanduser()
    else:
        from cases.settings import default_home

        home = default_home().expanduser()
    config: dict[str, Any] = {}
    toml = home / "config.toml"
    if toml.exists():
        import tomllib

        try:
            config = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    url = env.get("REFUNDFLOW_DATABASE_URL", config.get("database_url"))
    now_text = env.get("REFUNDFLOW_NOW", config.get("now"))
    if not url:
        url = f"sqlite:///{home / 'refundflow.db'}"
    path = sqlite_path(url) if isinstance(url, str) else None
    if path is None or not path.is_file():
        return None
    zone = env.get("REFUNDFLOW_TZ", config.get("tz", "Asia/Shanghai"))
    if not isinstance(zone, str):
        return None
    if now_text is None:
        return path, None, zone
    if isinstance(now_text, datetime):
        now = now_text
    else:
        try:
            now = datetime.fromisoformat(str(now_text))
        except ValueError:
            return None
    return (path, now.astimezone(UTC), zone) if now.tzinfo is not None else None


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///…`` URL (``None`` for any other database)."""
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)


def head_revision() -> str:
    """The newest migration, by its file name (``0005_…`` gives ``0005``)."""
    return max(p.name.split("_", 1)[0] for p in MIGRATIONS.glob("[0-9]*_*.py"))


def caseload_json(
    conn: sqlite3.Connection, now: datetime, stage: str | None, overdue: bool,
    zone: str = "Asia/Shanghai",
) -> list[str] | None:
    """Each case's JSON row, most urgent first (``CaseSummary.as_json``); ``None`` when the
    database's schema is not the code's."""
    # Memory-mapped reads: the rows are met in due order, scattered over the file, and
    # one read() call per page costs more than building the rows.
    conn.execute("PRAGMA mmap_size = 4294967296")
    conn.execute("BEGIN")  # one snapshot for the checks and the rows
    try:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision != head_revision():
            return None
        stored_now = now.astimezone(UTC).strftime(STORED)
        where = ["c.next_due_at <= :now"] if overdue else []
        if stage:
            where.append("c.stage = :stage")
        zones = _zone_sql(conn, zone, "WHERE next_due_at <= :now" if overdue else "", stored_now)
        # The next open deadline is on the case row (migration 0006), and the
        # (next_due_at, ref) index gives the overdue cases in order: no join, no sort.
        query = f"""
            SELECT json_object(
                'ref', c.ref, 'platform', c.platform, 'merchant', c.merchant,
                'order', c.order_no, 'product', c.product, 'amount', c.amount,
                'currency', c.currency, 'stage', c.stage, 'rung', c.rung,
                'assignee', c.assignee,
                'next_deadline', CASE WHEN c.next_due_at IS NULL THEN NULL ELSE json_object(
                    'kind', c.next_kind, 'due_at', {zones},
                    'provisional', json(CASE WHEN c.next_provisional THEN 'true' ELSE 'false' END)
                ) END,
                'overdue', json(CASE WHEN c.next_due_at <= :now THEN 'true' ELSE 'false' END))
            FROM cases AS c
            {"WHERE " + " AND ".join(where) if where else ""}
            ORDER BY {"" if overdue else "c.next_due_at IS NULL, "}c.next_due_at, c.ref
        """
        rows = [row for (row,) in conn.execute(query, {"now": stored_now, "stage": stage})]
    finally:
        conn.execute("COMMIT")
    return rows


def _zone_sql(conn: sqlite3.Connection, zone: str, where: str, stored_now: str) -> str:
    """SQL for a deadline's due time as ISO 8601 in its case's zone, as Python prints it.

    Cases in the home's zone (nearly all) get a fixed shift SQLite applies itself when
    the zone's offset does not change between the earliest and the latest due time, as
    for Asia/Shanghai; any other zone is converted in Python, row by row.
    """
    conn.create_function("local_iso", 2, _local_iso, deterministic=True)
    lo, hi = conn.execute(
        f"SELECT min(next_due_at), max(next_due_at) FROM cases {where}", {"now": stored_now}
    ).fetchone()
    offset = None if lo is None else _fixed_offset(ZoneInfo(zone), _stored(lo), _stored(hi))
    if offset is None:
        return "local_iso(c.zone, c.next_due_at)"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    suffix = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return (
        f"CASE c.zone WHEN {_quote(zone)} THEN strftime('%Y-%m-%dT%H:%M:%S', c.next_due_at, "
        f"'{minutes:+d} minutes') || CASE WHEN substr(c.next_due_at, 21) = '000000' THEN ''"
        f" ELSE substr(c.next_due_at, 20, 7) END || '{suffix}'"
        " ELSE local_iso(c.zone, c.next_due_at) END"
    )


def _stored(text: str) -> datetime:
    return datetime.strptime(text, STORED).replace(tzinfo=UTC)


def _fixed_offset(zone: ZoneInfo, first: datetime, last: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same all through [first, last] in whole minutes.

    Offsets change at most a few times a year and never back within a day, so one look a
    day (and at both ends) finds any change; a span over 20 years is not worth checking.
    """
    if last - first > timedelta(days=366 * 20):
        return None
    offset = first.astimezone(zone).utcoffset()
    moment = first
    while True:
        if moment.astimezone(zone).utcoffset() != offset:
            return None
        if moment >= last:
            break
        moment = min(moment + timedelta(days=1), last)
    if offset is None or offset.total_seconds() % 60:
        return None
    return offset


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _local_iso(zone: str, stored: str) -> str:
    return _stored(stored).astimezone(ZoneInfo(zone)).isoformat()
