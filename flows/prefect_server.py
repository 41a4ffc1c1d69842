"""``python -m flows.prefect_server start …``: the local Prefect server, with one change.

Prefect's SQLite setup gives every connection a 60-second busy timeout. Under a burst of
case runs (hundreds submitted at once) its server regularly deadlocks on the SQLite write
lock: a transaction that holds the lock waits for something a connection stuck behind the
lock has, and nothing moves until the waiter gives up, 60 s later (measured on this machine
type: 9 stalls of 60 s in 13 minutes for 200 cases). With a 2-second timeout the waiter
gives up at once, the Prefect client retries its request (503), and the stall lasts 2 s.
Everything else is ``prefect server …`` unchanged; a team's Prefect server on Postgres is
not concerned.
"""

from __future__ import annotations

import sys
from typing import Any

BUSY_TIMEOUT_MS = 2000


def _patch_sqlite_busy_timeout(milliseconds: int) -> None:
    from prefect.server.database import configurations

    original = configurations.AioSqliteConfiguration.setup_sqlite

    def setup_sqlite(self: Any, conn: Any, record: Any) -> None:
        original(self, conn, record)
        cursor = conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
        cursor.close()

    configurations.AioSqliteConfiguration.setup_sqlite = setup_sqlite  # type: ignore[method-assign]


def main() -> None:
    _patch_sqlite_busy_timeout(BUSY_TIMEOUT_MS)
    from prefect.cli import app

    sys.argv = ["prefect", "server", *sys.argv[1:]]
    app()


if __name__ == "__main__":
    main()
