"""``refundflow case list --json`` on a SQLite home, answered by SQLite itself.

Scripts call ``case list --overdue --json`` often and on large caseloads, and the ordinary
path pays for SQLAlchemy, pydantic and one Python object per row before printing: about
2 s at 100,000 cases, most of it start-up and building the rows. Here the standard
library's ``sqlite3`` runs read-only queries: each case row carries its next open deadline
and its own row of this list (migration 0006, written by the data mapper from
``CaseSummary``), so SQLite walks the ``(next_due_at, ref)`` index in order, adds
``overdue`` and joins a page of rows into one UTF-8 string. Python only writes the pages:
one object per page instead of one per row, and no decoding or re-encoding. The result
is the list the ordinary path prints (``tests`` compare the two on the same database).

Pages follow the index by key (after the last ``(next_due_at, ref)`` of the page before),
inside one read transaction, so memory stays bounded by the page and every page sees the
same snapshot. ``group_concat`` joins rows in the order its ordered sub-query gives them:
SQLite does not flatten a sub-query with ``ORDER BY`` into an aggregate, and the tests
would show a different order at once.

Nothing here decides anything the ordinary path does not: the settings are read the way
:class:`cases.settings.Settings` reads them (environment, then ``config.toml``, then the
default home), and anything unusual (another database, an older schema, an option this
path does not know, a setting it cannot read) returns ``None`` so the caller takes the
ordinary path, which also gives the proper message for a mistake.
"""

from __future__ import annotations

import io
import itertools
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
PAGE = 16384
"""Rows SQLite joins into one string at a time (about 5 MB of JSON)."""
STORED = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite dialect stores a datetime (naive UTC, always 26 characters)."""


def list_json(args: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The output of ``refundflow case list ARGS`` when this path can give it, else ``None``."""
    out = io.BytesIO()
    return out.getvalue().decode("utf-8") if write_list_json(args, out, environ) else None


def write_list_json(
    args: Sequence[str], out: BinaryIO, environ: Mapping[str, str] | None = None
) -> bool:
    """Write ``refundflow case list ARGS`` to ``out`` (UTF-8 bytes) and say so; ``False``
    (and nothing written) when the ordinary path must answer."""
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
        pages = caseload_pages(conn, now or datetime.now(UTC), stage, overdue)
        first = None if pages is None else next(pages, b"")
    except (sqlite3.Error, ValueError, KeyError):
        pages = first = None
    if pages is None or first is None:
        conn.close()
        return False
    try:
        out.write(b"[")
        out.write(first)
        for page in pages:  # written as they come: a page is megabytes, not copied again
            out.write(b",")
            out.write(page)
        out.write(b"]\n")
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


def caseload_text(
    conn: sqlite3.Connection, now: datetime, stage: str | None, overdue: bool,
    page: int = PAGE,
) -> str | None:
    """The JSON array of the caseload, most urgent first (``CaseSummary.as_json``);
    ``None`` when the database's schema is not the code's."""
    pages = caseload_pages(conn, now, stage, overdue, page)
    return None if pages is None else "[" + b",".join(pages).decode("utf-8") + "]"


def caseload_pages(
    conn: sqlite3.Connection, now: datetime, stage: str | None, overdue: bool,
    page: int = PAGE,
) -> Iterator[bytes] | None:
    """Pages of JSON rows (each page the rows joined by commas, as UTF-8), all read in one
    snapshot: the connection's read transaction stays open until it is closed. ``None``
    for an older schema."""
    # No memory map: the pages are read once, in index order, and a mapped file would
    # count every page touched as this process's memory (150 MB at 100,000 cases, not 40).
    if not conn.in_transaction:
        conn.execute("BEGIN")
    (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision != head_revision():
        return None
    where = ["c.next_due_at <= :now"] if overdue else []
    if stage:
        where.append("c.stage = :stage")
    params = {"now": now.astimezone(UTC).strftime(STORED), "stage": stage, "page": page}
    # Cases with a deadline, by due time then reference; then (the whole list only) the
    # cases with none, by reference: the ordinary path's ``next_due_at IS NULL`` order.
    dated = _Pages([*where, "c.next_due_at IS NOT NULL"], ("next_due_at", "ref"),
                   "(c.next_due_at, c.ref) > (:next_due_at, :ref)")
    if overdue:
        return dated.read(conn, params)
    undated = _Pages([*where, "c.next_due_at IS NULL"], ("ref",), "c.ref > :ref")
    return itertools.chain(dated.read(conn, params), undated.read(conn, params))


class _Pages:
    """One ordered run of the list, read a page at a time: for each page, the key of its
    last row (a walk of the index alone), then the page's rows joined by SQLite."""

    def __init__(self, where: list[str], key: tuple[str, ...], after: str) -> None:
        self.key = key
        order = ", ".join(f"c.{column}" for column in key)
        # The summary is read as bytes: cutting its closing brace is then O(1), not a
        # walk through the UTF-8 characters (half the query's time at 100,000 cases).
        body = """
            SELECT CAST(group_concat(body, ',') AS BLOB) FROM (
                SELECT substr(CAST(c.summary AS BLOB), 1,
                              length(CAST(c.summary AS BLOB)) - 1)
                       || ',"overdue":'
                       || CASE WHEN c.next_due_at <= :now THEN 'true}}' ELSE 'false}}' END
                       AS body
                FROM cases AS c WHERE {where} ORDER BY {order} LIMIT :page
            )
        """
        last = """
            SELECT {columns} FROM cases AS c WHERE {where} ORDER BY {order}
            LIMIT 1 OFFSET :page - 1
        """
        self.queries = [
            (body.format(where=" AND ".join(conds), order=order),
             last.format(columns=order, where=" AND ".join(conds), order=order))
            for conds in (where, [*where, after])
        ]

    def read(self, conn: sqlite3.Connection, params: dict[str, Any]) -> Iterator[bytes]:
        (body, last), following = self.queries
        while True:
            (blob,) = conn.execute(body, params).fetchone()
            if blob is None:
                return
            yield blob
            end = conn.execute(last, params).fetchone()
            if end is None:  # that page was the last
                return
            params = {**params, **dict(zip(self.key, end, strict=True))}
            body, last = following

