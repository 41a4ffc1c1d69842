"""The ``refundflow`` console script.

``case list --json`` on a SQLite home is answered by :mod:`cases.store.fastlist` without
loading the command line's libraries (click, pydantic, SQLAlchemy): scripts run it often,
and on large caseloads. Every other command, and any ``case list`` that path declines,
goes to :func:`tui.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:2] == ["case", "list"] and "--json" in args:
        from cases.store.fastlist import list_json

        out = list_json(args[2:])
        if out is not None:
            sys.stdout.write(out + "\n")
            sys.stdout.flush()
            return
    from tui.cli import main as full

    full()
