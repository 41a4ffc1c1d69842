"""The case store for flow runs: wired once per process from the environment's settings.

A runner executes many flow runs in one process; a worker's subprocess executes one.
Either way the first call connects and later calls reuse the connection pool.
"""

from __future__ import annotations

import functools

from cases.bootstrap import Context, bootstrap
from cases.settings import Settings
from cases.store.runs import SqlRunBook


@functools.cache
def context() -> Context:
    return bootstrap(Settings())


@functools.cache
def run_book() -> SqlRunBook:
    return SqlRunBook(context().engine)
