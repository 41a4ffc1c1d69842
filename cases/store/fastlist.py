"""``refundflow case list --json`` on a SQLite home, answered by SQLite itself.

Scripts call ``case list --overdue --json`` often and on large caseloads, and the ordinary
path pays for SQLAlchemy, pydantic and one Python object per row before printing: about
2 s at 100,000 cases, most of it start-up and building the rows. Here the standard
library's ``sqlite3`` runs one read-only query: each case row carries its next open
deadline and its own row of this list (migration 0006, written by the data mapper from
``CaseSummary``), so SQLite walks the ``(next_due_at, ref)`` index in order and adds
``overdue``; Python only joins the rows. The result is the list the ordinary path prints
(``tests`` compare the two on the same database).

Nothing here decides anything the ordinary path does not: the settings are read the way
:class:`cases.settings.Settings` reads them (environment, then ``config.toml``, then the
default home), and anything unusual (another database, an older schema, an option this
path does not know, a setting it cannot read) returns ``None`` so the caller takes the
ordinary path, which also gives the proper message for a mistake.
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
CHUNK = 4096
"""Rows written at a time."""
STORED = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite dialect stores a datetime (naive UTC, always 26 characters)."""


def list_json(args: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The output of ``refundflow case list ARGS`` when this path can give it, else ``None``."""
    out = io.StringIO()
    return out.getvalue() if write_list_json(args, out, environ) else None


def write_list_json(
    args: Sequence[str], out: TextIO, environ: Mapping[str, str] | None = None
) -> bool:
    """Write ``refundflow case list ARGS`` to ``out`` and say so; ``False`` (and nothing
    written) when the ordinary path must answer. Rows go out in chunks as SQLite gives
    them: the whole list is never one string."""
    options = _options(args)
    if options is None:
        return False
    stage, overdue = options
    where = _where(os.environ if environ is None else environ)
    if where is None:
        return False
    path, now = where
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5,
                               isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        rows = caseload_rows(conn, now or datetime.now(UTC), stage, overdue)
        chunk = [] if rows is None else rows.fetchmany(CHUNK)
    except (sqlite3.Error, ValueError, KeyError):
        rows = None
    if rows is None:
        conn.close()
        return False
    try:
        out.write("[")
        separator = ""
        while chunk:
            out.write(separator + ",".join([row for (row,) in chunk]))
            separator = ","
            chunk = rows.fetchmany(CHUNK)
        out.write("]\n")
    finally:
        conn.close()
    return True


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


def _where(environ: Mapping[str, str]) -> tuple[Path, datetime | None] | None:
    """The database file and the frozen clock, read as ``Settings`` reads them."""
    env = {key.upper(): value for key, value in environ.items()
           if key.upper().startswith("REFUNDFLOW_")}
    if env.get("REFUNDFLOW_HOME"):
        home = Path(env["REFUNDFLOW_HOME"]).expanduser()
    else:
        from cases.paths import default_home

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
    if now_text is None:
        return path, None
    if isinstance(now_text, datetime):
        now = now_text
    else:
        try:
            now = datetime.fromisoformat(str(now_text))
        except ValueError:
            return None
    return (path, now.astimezone(UTC)) if now.tzinfo is not None else None


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
    conn: sqlite3.Connection, now: datetime, stage: str | None, overdue: bool
) -> list[str] | None:
    """Each case's JSON row, most urgent first (``CaseSummary.as_json``); ``None`` when the
    database's schema is not the code's."""
    rows = caseload_rows(conn, now, stage, overdue)
    return None if rows is None else [row for (row,) in rows]


def caseload_rows(
    conn: sqlite3.Connection, now: datetime, stage: str | None, overdue: bool
) -> sqlite3.Cursor | None:
    """A cursor over the JSON rows, read in one snapshot (the connection's read
    transaction stays open until it is closed); ``None`` for an older schema."""
    # Memory-mapped reads: fewer system calls than one read() per page.
    conn.execute("PRAGMA mmap_size = 4294967296")
    if not conn.in_transaction:
        conn.execute("BEGIN")
    (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision != head_revision():
        return None
    where = ["c.next_due_at <= :now"] if overdue else []
    if stage:
        where.append("c.stage = :stage")
    query = f"""
        SELECT substr(c.summary, 1, length(c.summary) - 1) || ',"overdue":'
               || CASE WHEN c.next_due_at <= :now THEN 'true}}' ELSE 'false}}' END
        FROM cases AS c
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY {"" if overdue else "c.next_due_at IS NULL, "}c.next_due_at, c.ref
    """
    stored_now = now.astimezone(UTC).strftime(STORED)
    return conn.execute(query, {"now": stored_now, "stage": stage})
