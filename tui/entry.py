"""The ``refundflow`` console script.

``case list --json`` on a SQLite home is answered by :mod:`cases.store.fastlist` without
loading the command line's libraries (click, pydantic, SQLAlchemy): scripts run it often,
and on large caseloads. Every other command, and any ``case list`` that path declines,
goes to :func:`tui.cli.main`. A reader that stops early (``refundflow … | head``) ends
the output quietly, as it does for any Unix tool.
"""

from __future__ import annotations

import os
import sqlite3
import sys


def main() -> None:
    try:
        _main()
    except BrokenPipeError:
        # Python would report the pipe again while flushing at exit: point stdout at
        # /dev/null first (the recipe of the ``signal`` module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


def _main() -> None:
    args = sys.argv[1:]
    if args[:2] == ["case", "list"] and "--json" in args:
        from cases.store.fastlist import write_list_json

        try:
            sys.stdout.flush()
            if write_list_json(args[2:], sys.stdout.buffer):
                sys.stdout.buffer.flush()
                return
        except sqlite3.Error as exc:  # the file went bad while being read
            sys.stderr.write(
                f"refundflow: 无法读取数据库 / cannot read the database: {exc}; "
                "run `refundflow doctor`\n"
            )
            sys.exit(7)
    from tui.cli import main as full

    full()
